//! Host names and origins as browsers send them (`Host: name:port`, `Origin: scheme://name`),
//! parsed one way for `[server] allowed_hosts` / `allowed_origins` and for the requests the
//! API checks against them, so a listed name and a header can only match when they mean the
//! same thing.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

/// `name` or `name:port` from a `Host` header or an `allowed_hosts` entry: the name lowercased
/// and an IPv6 address without its brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// Lowercase; an IPv6 address without brackets.
    pub name: String,
    /// The port, when one was written.
    pub port: Option<u16>,
}

impl HostPort {
    /// Parses `name`, `name:port`, `1.2.3.4:port` or `[::1]:port`; the error is a sentence for
    /// a config diagnostic.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("an empty host name".into());
        }
        if text.contains("://") {
            return Err("a host name, not a URL: write e.g. \"greenloop.example.com\" or \"greenloop.example.com:8443\" (origins go in `allowed_origins`)".into());
        }
        let (name, port) = match text.strip_prefix('[') {
            Some(bracketed) => {
                let (address, rest) = bracketed
                    .split_once(']')
                    .ok_or("an IPv6 address needs its closing `]`")?;
                address
                    .parse::<Ipv6Addr>()
                    .map_err(|_| format!("`{address}` is not an IPv6 address"))?;
                let port = match rest {
                    "" => None,
                    _ => Some(
                        rest.strip_prefix(':')
                            .ok_or("after `]` only `:port` may follow")?,
                    ),
                };
                (address, port)
            }
            None => match text.rsplit_once(':') {
                Some((name, port)) => (name, Some(port)),
                None => (text, None),
            },
        };
        let port = port
            .map(|port| {
                port.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("`{port}` is not a port (1 to 65535)"))
            })
            .transpose()?;
        let is_v6 = text.starts_with('[');
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
        if !is_v6 && (name.is_empty() || !name.chars().all(plain)) {
            return Err(format!(
                "`{name}` is not a host name: letters, digits, `-`, `.` and `_` only"
            ));
        }
        Ok(Self {
            name: name.to_ascii_lowercase(),
            port,
        })
    }

    /// An address rather than a name. DNS rebinding needs a name the attacker controls, so a
    /// request addressed to an IP cannot be one.
    pub fn is_ip(&self) -> bool {
        self.name.parse::<IpAddr>().is_ok()
    }

    /// Whether this `allowed_hosts` entry admits `host` (from a request): the same name, and
    /// the same port when the entry names one.
    pub fn admits(&self, host: &HostPort) -> bool {
        self.name == host.name && self.port.is_none_or(|port| host.port == Some(port))
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.contains(':') {
            write!(f, "[{}]", self.name)?;
        } else {
            f.write_str(&self.name)?;
        }
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

/// A web origin, `scheme://host[:port]`, lowercased, as browsers serialize it in `Origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `http` or `https` (another scheme only from a header, never from the config).
    pub scheme: String,
    /// `host[:port]` exactly as the origin wrote it, lowercased.
    pub authority: String,
}

impl Origin {
    /// Parses an `Origin` header; `None` for `null` (sandboxed pages, `file:`, some
    /// redirects) and anything else that is not `scheme://authority`.
    pub fn from_header(text: &str) -> Option<Self> {
        let (scheme, authority) = text.split_once("://")?;
        let valid = !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && HostPort::parse(authority).is_ok();
        valid.then(|| Self {
            scheme: scheme.to_ascii_lowercase(),
            authority: authority.to_ascii_lowercase(),
        })
    }

    /// Parses an `allowed_origins` entry: `http(s)://host[:port]`, a trailing `/` tolerated
    /// (it is how a copied address ends); the error is a sentence for a config diagnostic.
    pub fn from_config(text: &str) -> Result<Self, String> {
        const SHAPE: &str = "write an origin like \"https://greenloop.example.com\" or \"http://10.0.0.5:7878\": scheme, host and port only";
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| format!("`{text}` has no scheme: {SHAPE}"))?;
        if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
            return Err(format!("`{scheme}` is not http or https: {SHAPE}"));
        }
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '?', '#']) {
            return Err(format!("`{text}` has a path: {SHAPE}"));
        }
        HostPort::parse(authority)?;
        Ok(Self {
            scheme: scheme.to_ascii_lowercase(),
            authority: authority.to_ascii_lowercase(),
        })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(text: &str) -> HostPort {
        HostPort::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn hosts_parse_as_browsers_send_them() {
        for (text, name, port) in [
            ("localhost:7878", "localhost", Some(7878)),
            ("Example.COM", "example.com", None),
            ("127.0.0.1:80", "127.0.0.1", Some(80)),
            ("[::1]:7878", "::1", Some(7878)),
            ("[::1]", "::1", None),
            ("my_host.internal", "my_host.internal", None),
        ] {
            assert_eq!(
                host(text),
                HostPort {
                    name: name.into(),
                    port
                },
                "{text}"
            );
        }
        for bad in [
            "", "http://x", "a b", "x/path", "x:99999", "x:0", "x:", ":80", "::1", "[::1",
            "[nope]:1", "[::1]x",
        ] {
            assert!(HostPort::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn only_addresses_count_as_ips() {
        assert!(host("127.0.0.1:1").is_ip());
        assert!(host("[::1]:1").is_ip());
        assert!(host("10.0.0.5").is_ip());
        assert!(!host("localhost").is_ip());
        assert!(!host("127.0.0.1.evil.example").is_ip());
        assert!(
            !host("2130706433").is_ip(),
            "browsers rewrite it to 127.0.0.1"
        );
    }

    #[test]
    fn an_entry_without_a_port_admits_every_port() {
        let any = host("gl.example.com");
        let one = host("gl.example.com:8443");
        assert!(any.admits(&host("GL.example.com:443")));
        assert!(any.admits(&host("gl.example.com")));
        assert!(one.admits(&host("gl.example.com:8443")));
        assert!(!one.admits(&host("gl.example.com")));
        assert!(!one.admits(&host("gl.example.com:8080")));
        assert!(!any.admits(&host("example.com")));
    }

    #[test]
    fn origins_from_headers_and_from_the_config() {
        let origin = Origin::from_header("HTTP://LocalHost:7878").unwrap();
        assert_eq!(origin.to_string(), "http://localhost:7878");
        assert_eq!(origin.authority, "localhost:7878");
        assert_eq!(Origin::from_header("null"), None);
        assert_eq!(Origin::from_header("http://"), None);
        assert_eq!(
            Origin::from_config("https://dash.example.com/").unwrap(),
            Origin::from_header("https://dash.example.com").unwrap()
        );
        for bad in [
            "dash.example.com",
            "ftp://x",
            "https://x/path",
            "https://x?q",
            "null",
            "https://",
        ] {
            assert!(Origin::from_config(bad).is_err(), "{bad:?} parsed");
        }
    }
}
