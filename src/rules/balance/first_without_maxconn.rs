use crate::declare_rule;
use crate::diag::Diagnostic;
use crate::model::AlgorithmKind;
use crate::rules::{Context, Rule, RuleMeta, finding};

declare_rule! {
    /// ## What it checks
    /// `balance first` with a server that has no `maxconn`.
    ///
    /// ## Why it matters
    /// `first` sends every connection to the first server until it reaches its
    /// `maxconn`; without one, that server takes everything and the others
    /// never receive a request.
    ///
    /// ## Example
    /// ```text
    /// backend be_batch
    ///     balance first
    ///     server w1 10.0.0.1:80
    ///     server w2 10.0.0.2:80
    /// ```
    ///
    /// ## How to fix
    /// Give every server a `maxconn`.
    pub struct FirstWithoutMaxconn {
        code: "LB305",
        name: "first-without-maxconn",
        category: Balance,
        severity: Warning,
    }
}

impl Rule for FirstWithoutMaxconn {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        for (bi, b) in cx.model.backends.iter().enumerate() {
            if b.algorithm.value.kind != AlgorithmKind::First {
                continue;
            }
            for &i in cx.usable(bi) {
                let s = &b.servers[i];
                if s.maxconn.value.is_none() {
                    out.push(
                        finding(&Self::META, format!("balance first: server {} has no maxconn, so it takes every connection it is offered", s.name()))
                            .at(s.span)
                            .related(b.algorithm.span.unwrap_or(b.span), "balance first")
                            .entity(cx.server_entity(b, s)),
                    );
                }
            }
        }
    }
}
