//! Target software versions: some defaults depend on them (HAProxy's default
//! `balance`, removed keywords), so they are an explicit input.

use std::fmt;
use std::str::FromStr;

/// A `major.minor` version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32) -> Version {
        Version { major, minor }
    }

    /// The HAProxy version assumed when none is given: the newest LTS branch.
    pub const HAPROXY_DEFAULT: Version = Version::new(3, 4);
}

impl Default for Version {
    fn default() -> Version {
        Version::HAPROXY_DEFAULT
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for Version {
    type Err = String;

    /// Accepts `3`, `2.6`, `2.6.12`, `3.1-dev4`: the part after major.minor is ignored.
    fn from_str(s: &str) -> Result<Version, String> {
        let bad = || format!("'{s}' is not a version like 2.6 or 3.2.1");
        let mut parts = s.trim().split(['.', '-']);
        let major = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let minor = match parts.next() {
            None => 0,
            Some(p) => p.parse().map_err(|_| bad())?,
        };
        Ok(Version { major, minor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders() {
        assert_eq!("2.6.12".parse(), Ok(Version::new(2, 6)));
        assert_eq!("3".parse(), Ok(Version::new(3, 0)));
        assert_eq!("3.1-dev4".parse(), Ok(Version::new(3, 1)));
        assert!("x.y".parse::<Version>().is_err());
        assert!(Version::new(2, 10) > Version::new(2, 9));
    }
}
