//! Which configuration language a file is written in, from its content
//! first and its name second.

use std::path::Path;

use crate::syntax::haproxy::SectionKind;
use crate::version::Version;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    Haproxy,
    Nginx,
}

impl std::str::FromStr for InputFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<InputFormat, String> {
        match s {
            "haproxy" => Ok(InputFormat::Haproxy),
            "nginx" => Ok(InputFormat::Nginx),
            _ => Err(format!("unknown format '{s}' (haproxy or nginx)")),
        }
    }
}

/// Meaningful lines: trimmed, without blank and comment lines.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Guesses the format; `None` when neither content nor name tells.
pub fn detect(path: &Path, text: &str) -> Option<InputFormat> {
    if let Some(first) = lines(text).next() {
        let word = first.split_whitespace().next().unwrap_or("");
        if SectionKind::from_keyword(word, Version::new(99, 0)).is_some() && !first.contains('{') {
            return Some(InputFormat::Haproxy);
        }
    }
    let nginx_like = lines(text)
        .take(200)
        .any(|l| l.ends_with(';') || l.ends_with('{') || l == "}");
    if nginx_like {
        return Some(InputFormat::Nginx);
    }
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    if name.contains("haproxy") || name.ends_with(".cfg") {
        Some(InputFormat::Haproxy)
    } else if name.contains("nginx") || name.ends_with(".conf") {
        Some(InputFormat::Nginx)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_content() {
        let p = Path::new("x");
        assert_eq!(
            detect(p, "# c\nglobal\n  maxconn 10\n"),
            Some(InputFormat::Haproxy)
        );
        assert_eq!(
            detect(p, "frontend fe\n  bind :80\n"),
            Some(InputFormat::Haproxy)
        );
        assert_eq!(
            detect(p, "events {}\nhttp {\n}\n"),
            Some(InputFormat::Nginx)
        );
        assert_eq!(
            detect(p, "server {\n listen 80;\n}\n"),
            Some(InputFormat::Nginx)
        );
        assert_eq!(detect(p, "location / {\n}\n"), Some(InputFormat::Nginx));
        assert_eq!(detect(p, "add_header X-A b;\n"), Some(InputFormat::Nginx));
        assert_eq!(detect(p, ""), None);
        assert_eq!(detect(Path::new("lb.cfg"), ""), Some(InputFormat::Haproxy));
    }
}
