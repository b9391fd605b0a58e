//! Regex syntax as the proxies read it. HAProxy and nginx compile their
//! regexes with PCRE2 when they load the config and refuse it when one does
//! not compile, so the check is PCRE2's own compiler with the proxies'
//! options (through the raw binding: the `pcre2` crate that `route` matches
//! with cannot set `PCRE2_NO_AUTO_CAPTURE`, which HAProxy's ACLs use).

use pcre2_sys::{
    PCRE2_CASELESS, PCRE2_NO_AUTO_CAPTURE, pcre2_code_free_8, pcre2_compile_8,
    pcre2_get_error_message_8,
};

/// The options a proxy compiles one regex with.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `-i` in HAProxy, `~*` in nginx.
    pub caseless: bool,
    /// HAProxy compiles ACL patterns without numbered captures, so a
    /// back-reference such as `\1` names no group there.
    pub no_auto_capture: bool,
}

/// Why PCRE2 refused a pattern: its own message, and the byte offset in the
/// pattern where it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub offset: usize,
}

/// Compiles `pattern` as the proxy would and throws the result away.
pub fn check(pattern: &str, options: Options) -> Result<(), Refusal> {
    let mut flags = 0;
    if options.caseless {
        flags |= PCRE2_CASELESS;
    }
    if options.no_auto_capture {
        flags |= PCRE2_NO_AUTO_CAPTURE;
    }
    let mut code = 0;
    let mut offset = 0;
    // SAFETY: the pattern pointer and length describe a live `&str`; a null
    // compile context selects the defaults; the returned code, when not
    // null, is owned here and freed once.
    let compiled = unsafe {
        pcre2_compile_8(
            pattern.as_ptr(),
            pattern.len(),
            flags,
            &mut code,
            &mut offset,
            std::ptr::null_mut(),
        )
    };
    if !compiled.is_null() {
        // SAFETY: `compiled` came from pcre2_compile_8 and is freed once.
        unsafe { pcre2_code_free_8(compiled) };
        return Ok(());
    }
    Err(Refusal {
        message: error_message(code),
        offset,
    })
}

fn error_message(code: i32) -> String {
    // PCRE2 documents 120 bytes as enough for any message.
    let mut buf = [0u8; 256];
    // SAFETY: the buffer and its length are valid for writes.
    let len = unsafe { pcre2_get_error_message_8(code, buf.as_mut_ptr(), buf.len()) };
    match usize::try_from(len) {
        Ok(len) => String::from_utf8_lossy(&buf[..len.min(buf.len())]).into_owned(),
        Err(_) => format!("PCRE2 error {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(pattern: &str, options: Options) -> Option<String> {
        check(pattern, options).err().map(|r| r.message)
    }

    #[test]
    fn refuses_what_pcre2_refuses() {
        let plain = Options::default();
        let message = refusal("^/a+*", plain).expect("refused");
        assert_eq!(message, "quantifier does not follow a repeatable item");
        assert_eq!(check("^/a+*", plain).unwrap_err().offset, 4);
        assert!(
            refusal("^/a(", plain)
                .unwrap()
                .contains("missing closing parenthesis")
        );
        assert!(
            refusal("[z-a]", plain)
                .unwrap()
                .contains("range out of order")
        );
        assert!(
            refusal("x\\", plain)
                .unwrap()
                .contains("\\ at end of pattern")
        );
    }

    #[test]
    fn accepts_pcre_only_syntax() {
        for pattern in ["a++", "(?<=/v)1", "(?>ab)c", "(a)\\1", "^/(?i)api", ""] {
            assert_eq!(check(pattern, Options::default()), Ok(()), "{pattern}");
        }
    }

    #[test]
    fn without_auto_capture_a_back_reference_names_nothing() {
        let acl = Options {
            no_auto_capture: true,
            ..Options::default()
        };
        let message = refusal("(a)\\1", acl).expect("refused");
        assert!(message.contains("non-existent"), "{message}");
        assert_eq!(check("(?<n>a)\\k<n>", acl), Ok(()));
    }
}
