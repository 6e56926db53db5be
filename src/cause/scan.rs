//! Finding the pieces facts are made of in one line of text: URLs, `METHOD /path` pairs,
//! `host:port` addresses, numbers with the word before them. Hand-written scanners over bytes:
//! each is linear in the line and allocates only what it returns.

/// HTTP methods, as request lines and access logs write them.
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// File extensions that make a `/…` token a file, not a route.
const FILE_EXTENSIONS: &[&str] = &[
    "c", "cc", "cpp", "cs", "go", "h", "java", "js", "json", "jsx", "kt", "log", "mjs", "php",
    "py", "pyc", "rb", "rs", "sh", "so", "ts", "tsx", "txt", "xml", "yaml", "yml",
];

/// A URL found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `http`, `https`, `ws` or `wss`, lowercase.
    pub scheme: String,
    /// The host as written.
    pub host: String,
    /// The port, written or implied by the scheme.
    pub port: u16,
    /// The path, normalised (see [`normalise_path`]).
    pub path: String,
    /// The URL as written, without a trailing punctuation mark.
    pub text: String,
}

impl Url {
    /// `host:port`.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Whether it is a WebSocket URL.
    pub fn is_websocket(&self) -> bool {
        self.scheme == "ws" || self.scheme == "wss"
    }
}

/// Every `http(s)://` and `ws(s)://` URL in `line`.
pub fn urls(line: &str) -> Vec<Url> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = line[from..].find("://").map(|i| i + from) {
        from = at + 3;
        let scheme_start = line[..at]
            .rfind(|c: char| !c.is_ascii_alphabetic())
            .map_or(0, |i| i + 1);
        let scheme = line[scheme_start..at].to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" | "ws" => 80,
            "https" | "wss" => 443,
            _ => continue,
        };
        let rest = &line[at + 3..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | ')'))
            .unwrap_or(rest.len());
        let whole = rest[..end].trim_end_matches(['.', ',', ';', ':', ']']);
        let authority_end = whole.find(['/', '?', '#']).unwrap_or(whole.len());
        let authority = &whole[..authority_end];
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port) = split_host_port(authority);
        if host.is_empty() {
            continue;
        }
        found.push(Url {
            port: port.unwrap_or(default_port),
            host: host.to_owned(),
            path: normalise_path(&whole[authority_end..]),
            text: format!("{}://{whole}", &line[scheme_start..at]),
            scheme,
        });
        from = at + 3 + end;
    }
    found
}

/// Splits `host:port`, `[v6]:port` or `host`.
fn split_host_port(authority: &str) -> (&str, Option<u16>) {
    if let Some(rest) = authority.strip_prefix('[') {
        let Some(close) = rest.find(']') else {
            return (authority, None);
        };
        let port = rest[close + 1..]
            .strip_prefix(':')
            .and_then(|p| p.parse().ok());
        return (&rest[..close], port);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(port) => (host, Some(port)),
            Err(_) => (authority, None),
        },
        _ => (authority, None),
    }
}

/// A route as facts compare it: no query or fragment, no trailing slash, and segments that
/// are ids (numbers, UUIDs, long hex or mixed tokens) as `{id}`, so `/users/42` and
/// `/users/43` are one endpoint. Empty becomes `/`.
pub fn normalise_path(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut out = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        if is_id(segment) {
            out.push_str("{id}");
        } else {
            out.push_str(segment);
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Whether a path segment is an identifier rather than a name.
fn is_id(segment: &str) -> bool {
    let digits = segment.bytes().filter(u8::is_ascii_digit).count();
    if digits == segment.len() {
        return true;
    }
    let hexish = segment.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    (hexish && segment.len() >= 8 && digits > 0) || (segment.len() >= 16 && digits >= 2)
}

/// An endpoint named in text: a method (when written) and a normalised path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `GET`, `POST`, …; `None` when only a path or URL was written.
    pub method: Option<&'static str>,
    /// The normalised path.
    pub path: String,
}

impl Endpoint {
    /// `METHOD /path`, or `/path`.
    pub fn key(&self) -> String {
        match self.method {
            Some(method) => format!("{method} {}", self.path),
            None => self.path.clone(),
        }
    }
}

/// The first endpoint in `line`: `METHOD /path` or `METHOD url` (also Go's `Get "url"`),
/// else the path of the first URL, else the first route-like `/token`.
pub fn endpoint(line: &str) -> Option<Endpoint> {
    method_endpoint(line)
        .or_else(|| {
            urls(line).into_iter().next().map(|url| Endpoint {
                method: None,
                path: url.path,
            })
        })
        .or_else(|| {
            route(line).map(|path| Endpoint {
                method: None,
                path: normalise_path(path),
            })
        })
}

/// `METHOD /path` or `METHOD url` (the method uppercase, or capitalised before a quoted URL,
/// as Go's net/http writes `Get "http://…"`).
fn method_endpoint(line: &str) -> Option<Endpoint> {
    for (at, _) in line.char_indices() {
        if at > 0 && is_word_byte(line.as_bytes()[at - 1]) {
            continue;
        }
        for &method in METHODS {
            let Some(word) = line.get(at..at + method.len()) else {
                continue;
            };
            let capitalised = word.len() > 1
                && word[..1] == method[..1]
                && word[1..] == method[1..].to_ascii_lowercase();
            if word != method && !capitalised {
                continue;
            }
            let rest = &line[at + method.len()..];
            let Some(target) = rest.strip_prefix(' ') else {
                continue;
            };
            let quoted = target.strip_prefix('"');
            if capitalised && quoted.is_none() {
                continue;
            }
            let target = quoted.unwrap_or(target);
            if target.starts_with('/') {
                let end = target
                    .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`'))
                    .unwrap_or(target.len());
                return Some(Endpoint {
                    method: Some(method),
                    path: normalise_path(target[..end].trim_end_matches([':', ',', ';'])),
                });
            }
            if let Some(url) = urls(target)
                .into_iter()
                .next()
                .filter(|_| target.contains("://"))
            {
                return Some(Endpoint {
                    method: Some(method),
                    path: url.path,
                });
            }
        }
    }
    None
}

/// The first token that starts with `/` and a letter and is not a file: a route.
fn route(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    for (at, _) in line.match_indices('/') {
        let before_ok = at == 0 || matches!(bytes[at - 1], b' ' | b'\'' | b'"' | b'`' | b'(');
        if !before_ok || !bytes.get(at + 1).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let end = line[at..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ')' | ','))
            .map_or(line.len(), |i| at + i);
        let token = line[at..end].trim_end_matches(['.', ':', ';']);
        let last = token.rsplit('/').next().unwrap_or("");
        let is_file = last
            .rsplit_once('.')
            .is_some_and(|(_, ext)| FILE_EXTENSIONS.contains(&ext));
        if !is_file && !token.contains("://") {
            return Some(token);
        }
    }
    None
}

/// The `host:port` a connection error names: `ECONNREFUSED 10.0.0.5:8080`, `dial tcp
/// 10.0.0.5:5432`, `HTTPConnectionPool(host='h', port=80)`, `connect to host h:443`,
/// `Failed to connect to h port 8080`, or a URL's address.
pub fn address(line: &str) -> Option<String> {
    let lower = line.to_ascii_lowercase();
    let after = |marker: &str| -> Option<String> {
        let at = lower.find(marker)? + marker.len();
        let token: String = line[at..]
            .trim_start()
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ';' | '\'' | '"' | ')'))
            .collect();
        let token = token.trim_end_matches([':', '.']);
        let (host, port) = split_host_port(token);
        let port = port?;
        (!host.is_empty()).then(|| format!("{host}:{port}"))
    };
    if let Some(pool) = connection_pool(line) {
        return Some(pool);
    }
    for marker in [
        "econnrefused",
        "econnreset",
        "dial tcp",
        "connect to host",
        "connecting to",
    ] {
        if let Some(found) = after(marker) {
            return Some(found);
        }
    }
    if let Some(at) = lower.find("failed to connect to ") {
        let rest = &line[at + "failed to connect to ".len()..];
        let mut words = rest.split_whitespace();
        if let (Some(host), Some("port"), Some(port)) = (words.next(), words.next(), words.next()) {
            let port: String = port.chars().take_while(char::is_ascii_digit).collect();
            if !port.is_empty() {
                return Some(format!("{host}:{port}"));
            }
        }
    }
    urls(line).first().map(Url::address)
}

/// `HTTPConnectionPool(host='h', port=80)` (urllib3) as `h:80`.
fn connection_pool(line: &str) -> Option<String> {
    let at = line.find("ConnectionPool(host=")?;
    let rest = &line[at + "ConnectionPool(host=".len()..];
    let rest = rest.strip_prefix('\'').or_else(|| rest.strip_prefix('"'))?;
    let end = rest.find(['\'', '"'])?;
    let host = &rest[..end];
    let port_at = rest.find("port=")? + "port=".len();
    let port: String = rest[port_at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!port.is_empty()).then(|| format!("{host}:{port}"))
}

/// The host a DNS or TLS error names, or a URL's host.
pub fn host(line: &str) -> Option<String> {
    let lower = line.to_ascii_lowercase();
    for marker in [
        "enotfound ",
        "could not resolve host: ",
        "failed to resolve '",
        "unknownhostexception: ",
        "lookup ",
        "eai_again ",
    ] {
        if let Some(at) = lower.find(marker) {
            let token: String = line[at + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .collect();
            let token = token.trim_end_matches('.');
            if !token.is_empty() {
                return Some(token.to_owned());
            }
        }
    }
    if let Some(pool) = connection_pool(line) {
        return pool.rsplit_once(':').map(|(host, _)| host.to_owned());
    }
    urls(line).into_iter().next().map(|url| url.host)
}

/// A number standing alone in `line` (not part of a word, a version or a longer number), with
/// its byte offset.
pub fn numbers(line: &str) -> impl Iterator<Item = (usize, u32)> + '_ {
    let bytes = line.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            if !bytes[at].is_ascii_digit() {
                at += 1;
                continue;
            }
            let start = at;
            while at < bytes.len() && bytes[at].is_ascii_digit() {
                at += 1;
            }
            let before = start.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(at).copied();
            let glued_before = before.is_some_and(|b| is_word_byte(b) || b == b'.');
            let glued_after = after.is_some_and(|b| {
                is_word_byte(b) || (b == b'.' && bytes.get(at + 1).is_some_and(u8::is_ascii_digit))
            });
            if glued_before || glued_after || at - start > 5 {
                continue;
            }
            if let Ok(value) = line[start..at].parse() {
                return Some((start, value));
            }
        }
        None
    })
}

/// The word just before byte `at` (letters, digits, `_`, `/`, `.`), lowercased, skipping
/// spaces and the punctuation `:`, `=`, `[`, `(`, `<`.
pub fn word_before(line: &str, at: usize) -> String {
    let head = line[..at].trim_end_matches([' ', ':', '=', '[', '(', '<', '"', '\'']);
    let start = head
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '/' | '.')))
        .map_or(0, |i| i + 1);
    head[start..].to_ascii_lowercase()
}

/// The word right after the number that ends at byte `end` (after one space), lowercased.
pub fn word_after(line: &str, end: usize) -> String {
    let tail = line[end..].strip_prefix(' ').unwrap_or(&line[end..]);
    tail.chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The identifier after `marker` (case-insensitive) in `line`: letters, digits, `_`, `.`, `-`.
pub fn identifier_after(line: &str, lower: &str, marker: &str) -> Option<String> {
    let at = lower.find(marker)? + marker.len();
    let token: String = line[at..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .collect();
    let token = token.trim_end_matches(['.', '-']);
    (!token.is_empty()).then(|| token.to_owned())
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_host_port_and_a_normalised_path() {
        let found = urls(
            "GET http://127.0.0.1:7890/api/agents/start?x=1 failed, see wss://api.example.com/ws.",
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].address(), "127.0.0.1:7890");
        assert_eq!(found[0].path, "/api/agents/start");
        assert_eq!(found[1].address(), "api.example.com:443");
        assert_eq!(found[1].path, "/ws");
        assert!(found[1].is_websocket());
        assert_eq!(found[1].text, "wss://api.example.com/ws");
        let v6 = urls(r#"Get "http://[::1]:8080/health": dial tcp"#);
        assert_eq!(v6[0].address(), "::1:8080");
    }

    #[test]
    fn ids_in_paths_are_one_endpoint() {
        assert_eq!(normalise_path("/users/42/"), "/users/{id}");
        assert_eq!(
            normalise_path("/api/v1/threads/3f1c2a9e-8b7d-4c6e-9f00-123456789abc/messages"),
            "/api/v1/threads/{id}/messages"
        );
        assert_eq!(normalise_path("/api/v1/agents"), "/api/v1/agents");
        assert_eq!(normalise_path(""), "/");
    }

    #[test]
    fn endpoints_come_from_methods_urls_or_routes() {
        let key = |line: &str| endpoint(line).map(|e| e.key());
        assert_eq!(
            key("POST /api/agents/start answered 404").as_deref(),
            Some("POST /api/agents/start")
        );
        assert_eq!(
            key(r#"Get "http://h:8080/health": EOF"#).as_deref(),
            Some("GET /health")
        );
        assert_eq!(
            key("fault agents_404: answering 404 to /api/agents/status").as_deref(),
            Some("/api/agents/status")
        );
        assert_eq!(
            key("404 Client Error: Not Found for url: https://x.io/api/v1/t").as_deref(),
            Some("/api/v1/t")
        );
        assert_eq!(key(r#"  File "/home/ci/app/test_ws.py", line 88"#), None);
        assert_eq!(endpoint("GETTING /x").map(|e| e.method), Some(None));
    }

    #[test]
    fn addresses_from_every_client_s_wording() {
        let cases = [
            ("connect ECONNREFUSED 127.0.0.1:8080", "127.0.0.1:8080"),
            (
                "dial tcp 10.0.0.5:5432: connect: connection refused",
                "10.0.0.5:5432",
            ),
            (
                "HTTPConnectionPool(host='10.0.0.5', port=8080): Max retries exceeded",
                "10.0.0.5:8080",
            ),
            (
                "Cannot connect to host api.example.com:443 ssl:default [Connection reset by peer]",
                "api.example.com:443",
            ),
            (
                "curl: (7) Failed to connect to localhost port 8080: Connection refused",
                "localhost:8080",
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(address(line).as_deref(), Some(expected), "{line}");
        }
        assert_eq!(address("[Errno 111] Connection refused"), None);
    }

    #[test]
    fn numbers_stand_alone() {
        let found: Vec<u32> = numbers("v404 1.404 404ms 404 (1011) x_500 HTTP/1.1 503")
            .map(|n| n.1)
            .collect();
        assert_eq!(found, vec![404, 1011, 503]);
    }
}
