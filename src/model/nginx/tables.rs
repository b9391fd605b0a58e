//! `map`, `split_clients` and `geo` blocks as key/value tables, so a
//! variable they define can be followed to the upstreams it may name.

use foldhash::HashMap;

use crate::diag::Diagnostic;
use crate::syntax::nginx::Directive;

/// The values one variable may take, with a share when the table fixes it.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// `(value, share)`; shares only for `split_clients`.
    pub values: Vec<(String, Option<f64>)>,
}

/// Variables defined by tables, by name without the `$`.
#[derive(Debug, Default)]
pub struct Tables {
    vars: HashMap<String, Table>,
}

/// Parameters a `map` or `geo` body may hold that are not entries.
const TABLE_PARAMETERS: &[&str] = &[
    "hostnames",
    "volatile",
    "ranges",
    "proxy_recursive",
    "include",
    "proxy",
    "delete",
];

impl Tables {
    pub fn get(&self, var: &str) -> Option<&Table> {
        self.vars.get(var.trim_start_matches('$'))
    }

    /// Records a `map`, `geo` or `split_clients` directive; others are ignored.
    pub fn add(&mut self, d: &Directive, diags: &mut Vec<Diagnostic>) {
        match d.name() {
            "map" => self.map_like(d, d.arg(1), diags),
            // `geo [$address] $variable { ... }`
            "geo" => self.map_like(d, d.arg(1).or(d.arg(0)), diags),
            "split_clients" => self.split_clients(d, diags),
            _ => {}
        }
    }

    fn map_like(&mut self, d: &Directive, var: Option<&str>, diags: &mut Vec<Diagnostic>) {
        let Some(var) = var else { return };
        let mut table = Table::default();
        for entry in d.children() {
            if entry.args().is_empty() && TABLE_PARAMETERS.contains(&entry.name()) {
                continue;
            }
            if d.name() == "map" && entry.words.len() != 2 {
                diags.push(
                    Diagnostic::error("invalid number of the map parameters")
                        .at(entry.span())
                        .help("each map entry is one key and one value"),
                );
                continue;
            }
            if let Some(value) = entry.arg(0)
                && !table.values.iter().any(|(v, _)| v == value)
            {
                table.values.push((value.to_string(), None));
            }
        }
        self.vars
            .insert(var.trim_start_matches('$').to_string(), table);
    }

    fn split_clients(&mut self, d: &Directive, diags: &mut Vec<Diagnostic>) {
        let Some(var) = d.arg(1) else { return };
        let mut table = Table::default();
        let mut total = 0.0;
        let mut over = None;
        let mut rest: Option<String> = None;
        for entry in d.children() {
            let value = entry.arg(0).unwrap_or("").to_string();
            if entry.name() == "*" {
                rest = Some(value);
                continue;
            }
            let Some(pct) = entry
                .name()
                .strip_suffix('%')
                .and_then(|p| p.parse::<f64>().ok())
            else {
                diags.push(
                    Diagnostic::error(format!("invalid percent value \"{}\"", entry.name()))
                        .at(entry.name_span()),
                );
                continue;
            };
            total += pct;
            if total > 100.0 + 1e-9 && over.is_none() {
                over = Some(entry.name_span());
            }
            table.values.push((value, Some(pct / 100.0)));
        }
        if let Some(at) = over {
            diags.push(
                Diagnostic::error("percent total is greater than 100%")
                    .at(d.close_span())
                    .related(at, format!("the total passes 100% here ({total}% in all)")),
            );
        }
        if let Some(value) = rest {
            table
                .values
                .push((value, Some(((100.0 - total) / 100.0).max(0.0))));
        }
        self.vars
            .insert(var.trim_start_matches('$').to_string(), table);
    }
}
