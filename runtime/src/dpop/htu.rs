//! The `htu` comparison (RFC 9449 §4.3): both URIs normalised as RFC 3986
//! §6.2.2 and §6.2.3 say (scheme and host in lowercase, the scheme's default
//! port and an empty port removed, an empty path as `/`, percent-encodings
//! in uppercase and unreserved characters decoded, dot segments removed),
//! query and fragment dropped. Anything that is not an absolute `http` or
//! `https` URI with a host, or that carries userinfo, does not normalise.

/// The configured external origin, normalised: `scheme://host[:port]`,
/// without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin(Box<str>);

impl Origin {
    /// The origin of `text` (`https://api.example.com`, a trailing `/`
    /// allowed), or `None` if it has a path, query, fragment or userinfo,
    /// or is not `http` or `https`.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (origin, rest) = split_origin(text)?;
        (rest.is_empty() || rest == "/").then(|| Self(origin.into()))
    }

    /// The origin's text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The `htu` a request for `path` (the request target's path; a query
    /// or fragment is dropped) must carry, normalised; `None` for a path
    /// that does not normalise, or that normalisation would change (dot
    /// segments, percent-encoded unreserved characters): the router routes
    /// the path as sent, so such a request could reach another route than
    /// the one its proof's `htu` names.
    pub(crate) fn expected(&self, path: &str) -> Option<String> {
        let path = strip_query(path);
        let mut out = String::with_capacity(self.0.len() + path.len());
        out.push_str(&self.0);
        push_path(path, &mut out)?;
        let normal = &out[self.0.len()..];
        (normal == path || (path.is_empty() && normal == "/")).then_some(out)
    }
}

impl Origin {
    /// Whether a proof's `htu` fits a request for `path` (the request
    /// target's path): [`Self::expected`] and [`matches`], without
    /// allocating when the path is plainly normal and `htu` is written as
    /// the origin and the path (what a well-behaved client sends).
    pub(crate) fn accepts(&self, htu: &str, path: &str) -> bool {
        let path = strip_query(path);
        if !is_plain(path) {
            return self
                .expected(path)
                .is_some_and(|expected| matches(htu, &expected));
        }
        // A plain path is its own normal form, so the expected `htu` is the
        // origin followed by it.
        let is_expected = |uri: &str| uri.strip_prefix(&*self.0) == Some(path);
        // The origin and the path exactly need no search for a query.
        is_expected(htu)
            || is_expected(strip_query(htu))
            || normalise(htu).is_some_and(|htu| is_expected(&htu))
    }
}

/// Whether `path` is plainly in normal form: absolute, of unencoded path
/// characters only, without a `.` or `..` segment. (A path with a
/// percent-encoding may be normal too; it takes the longer way.)
fn is_plain(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.first() == Some(&b'/')
        && bytes.iter().all(|&b| path_char(b))
        && bytes
            .split(|&b| b == b'/')
            .all(|segment| segment != b"." && segment != b"..")
}

/// `uri` normalised, without its query and fragment; `None` if it is not an
/// absolute `http` or `https` URI that normalises.
pub(crate) fn normalise(uri: &str) -> Option<String> {
    let (origin, rest) = split_origin(uri)?;
    let mut out = origin;
    push_path(strip_query(rest), &mut out)?;
    Some(out)
}

/// Whether `htu` (a proof's) names the same resource as `expected` (the
/// output of [`Origin::expected`]).
pub(crate) fn matches(htu: &str, expected: &str) -> bool {
    // A normalised URI normalises to itself, so the exact match, which is
    // what a well-behaved client sends, needs no work.
    strip_query(htu) == expected || normalise(htu).is_some_and(|htu| htu == expected)
}

/// `uri` up to its query or fragment.
fn strip_query(uri: &str) -> &str {
    // A byte search: both are ASCII, so `at` is a character boundary.
    memchr::memchr2(b'?', b'#', uri.as_bytes()).map_or(uri, |at| &uri[..at])
}

/// The normalised `scheme://host[:port]` of an absolute URI, and the rest
/// of it (path, query, fragment) untouched.
fn split_origin(uri: &str) -> Option<(String, &str)> {
    let colon = uri.find(':')?;
    let scheme = &uri[..colon];
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        443
    } else if scheme.eq_ignore_ascii_case("http") {
        80
    } else {
        return None;
    };
    let after = uri[colon + 1..].strip_prefix("//")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    if authority.contains('@') {
        return None;
    }
    // The port follows the last colon, unless that colon is inside an
    // IPv6 literal.
    let (host, port) = match authority.rfind(':') {
        Some(at) if !authority[at..].contains(']') => {
            (&authority[..at], Some(&authority[at + 1..]))
        }
        _ => (authority, None),
    };
    let mut out = String::with_capacity(scheme.len() + 3 + authority.len());
    out.push_str(&scheme.to_ascii_lowercase());
    out.push_str("://");
    push_host(host, &mut out)?;
    match port.map(parse_port) {
        None | Some(Some(None)) => {}
        Some(Some(Some(port))) if port == default_port => {}
        Some(Some(Some(port))) => {
            out.push(':');
            out.push_str(&port.to_string());
        }
        Some(None) => return None,
    }
    Some((out, rest))
}

/// A port: `Some(None)` when empty (RFC 3986 §6.2.3 drops it), its value
/// when it is digits within `u16`, `None` otherwise.
fn parse_port(port: &str) -> Option<Option<u16>> {
    if port.is_empty() {
        return Some(None);
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Leading zeros name the same port: read the value, not the text.
    let digits = port.trim_start_matches('0');
    if digits.len() > 5 {
        return None;
    }
    if digits.is_empty() {
        return Some(Some(0));
    }
    digits.parse().ok().map(Some)
}

/// A host in lowercase: a registered name or IPv4 address (letters,
/// digits, `-._~` and the sub-delimiters), or an IPv6 literal in brackets.
/// Percent-encoded hosts are not normalised, so not taken.
fn push_host(host: &str, out: &mut String) -> Option<()> {
    let name = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b);
    let literal = |b: u8| b.is_ascii_hexdigit() || b":.".contains(&b);
    let valid = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(inner) => !inner.is_empty() && inner.bytes().all(literal),
        None => !host.is_empty() && host.bytes().all(name),
    };
    valid.then(|| out.push_str(&host.to_ascii_lowercase()))
}

/// Whether `b` is an RFC 3986 unreserved character.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

/// Whether `b` may stand unencoded in a path: `pchar` or `/`.
fn path_char(b: u8) -> bool {
    unreserved(b) || b"!$&'()*+,;=:@/".contains(&b)
}

/// The value of a hexadecimal digit.
fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Appends `path` normalised: percent-encodings in uppercase, unreserved
/// characters decoded, dot segments removed, an empty path as `/`. `None`
/// for a character a path cannot hold, or a `%` not followed by two
/// hexadecimal digits.
fn push_path(path: &str, out: &mut String) -> Option<()> {
    let mut clean = String::with_capacity(path.len() + 1);
    let bytes = path.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let high = bytes.get(i + 1).copied().and_then(hex)?;
            let low = bytes.get(i + 2).copied().and_then(hex)?;
            let decoded = high << 4 | low;
            if unreserved(decoded) {
                clean.push(char::from(decoded));
            } else {
                clean.push('%');
                clean.push(char::from(b"0123456789ABCDEF"[usize::from(high)]));
                clean.push(char::from(b"0123456789ABCDEF"[usize::from(low)]));
            }
            i += 3;
        } else if path_char(b) {
            clean.push(char::from(b));
            i += 1;
        } else {
            return None;
        }
    }
    if clean.is_empty() {
        out.push('/');
        return Some(());
    }
    if !clean.starts_with('/') {
        // After an authority a path is empty or absolute (RFC 3986 §3.3).
        return None;
    }
    remove_dot_segments(&clean, out);
    Some(())
}

/// RFC 3986 §5.2.4 on an absolute path, appended to `out`.
fn remove_dot_segments(path: &str, out: &mut String) {
    let mut segments: Vec<&str> = Vec::new();
    let mut parts = path[1..].split('/').peekable();
    // The last segment keeps a trailing slash when it is `.` or `..`.
    let mut trailing = false;
    while let Some(segment) = parts.next() {
        let last = parts.peek().is_none();
        match segment {
            "." => trailing = last,
            ".." => {
                segments.pop();
                trailing = last;
            }
            other => {
                segments.push(other);
                trailing = false;
            }
        }
    }
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    if trailing || segments.is_empty() {
        out.push('/');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(uri: &str) -> Option<String> {
        normalise(uri)
    }

    #[test]
    fn scheme_host_and_port_are_normalised() {
        let same = "https://api.example.com/orders";
        for uri in [
            "https://api.example.com/orders",
            "HTTPS://API.Example.COM/orders",
            "https://api.example.com:443/orders",
            "https://api.example.com:/orders",
            "https://api.example.com:0443/orders",
            "https://api.example.com:000000443/orders",
            "https://api.example.com/orders?page=2",
            "https://api.example.com/orders#top",
            "https://api.example.com/orders?a#b",
        ] {
            assert_eq!(norm(uri).as_deref(), Some(same), "{uri}");
        }
        assert_eq!(
            norm("http://h:80/x").as_deref(),
            Some("http://h/x"),
            "http's default port"
        );
        assert_eq!(norm("http://h:443/x").as_deref(), Some("http://h:443/x"));
        assert_eq!(norm("https://h:80/x").as_deref(), Some("https://h:80/x"));
        assert_eq!(
            norm("https://h:8443/x").as_deref(),
            Some("https://h:8443/x")
        );
        assert_eq!(
            norm("http://[::1]:8080/x").as_deref(),
            Some("http://[::1]:8080/x")
        );
        assert_eq!(
            norm("http://[FE80::1]/x").as_deref(),
            Some("http://[fe80::1]/x")
        );
        assert_eq!(norm("https://h").as_deref(), Some("https://h/"));
        assert_eq!(norm("https://h?q").as_deref(), Some("https://h/"));
    }

    #[test]
    fn paths_are_normalised_and_keep_their_case() {
        let cases = [
            ("https://h/a/%7euser", "https://h/a/~user"),
            ("https://h/a/%7Euser", "https://h/a/~user"),
            ("https://h/%41%62c", "https://h/Abc"),
            ("https://h/a%2fb", "https://h/a%2Fb"),
            ("https://h/a%2Fb", "https://h/a%2Fb"),
            ("https://h/a/./b", "https://h/a/b"),
            ("https://h/a/../b", "https://h/b"),
            ("https://h/a/b/..", "https://h/a/"),
            ("https://h/a/b/.", "https://h/a/b/"),
            ("https://h/../../x", "https://h/x"),
            ("https://h/a/%2E%2E/b", "https://h/b"),
            ("https://h/a//b", "https://h/a//b"),
            ("https://h/a/", "https://h/a/"),
            ("https://h/Orders", "https://h/Orders"),
        ];
        for (uri, expected) in cases {
            assert_eq!(norm(uri).as_deref(), Some(expected), "{uri}");
        }
        // A trailing slash names another resource.
        assert_ne!(norm("https://h/a/"), norm("https://h/a"));
    }

    #[test]
    fn what_is_not_an_absolute_http_uri_does_not_normalise() {
        for uri in [
            "",
            "/orders",
            "ftp://h/x",
            "https:/h/x",
            "https:h/x",
            "https:///x",
            "https://user@h/x",
            "https://user:pw@h/x",
            "https://h:99999/x",
            "https://h:8x/x",
            "https://h/a b",
            "https://h/a%zz",
            "https://h/a%4",
            "https://h/é",
            "https://h%41/x",
            "https://[]/x",
            "https://[::g]/x",
            "https://h\\x/y",
        ] {
            assert_eq!(norm(uri), None, "{uri:?}");
        }
    }

    #[test]
    fn origins_are_normalised_and_have_no_path() {
        let origin = |s: &str| Origin::parse(s).map(|o| o.as_str().to_owned());
        assert_eq!(
            origin("HTTPS://API.example.com:443/").as_deref(),
            Some("https://api.example.com")
        );
        assert_eq!(
            origin("http://127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        for bad in [
            "https://api.example.com/v1",
            "https://api.example.com?x",
            "https://api.example.com/#x",
            "api.example.com",
            "https://u@api.example.com",
        ] {
            assert_eq!(origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_expected_htu_is_the_origin_and_the_normalised_path() {
        let origin = Origin::parse("https://api.example.com").unwrap_or_else(|| panic!("origin"));
        let expected = |path: &str| origin.expected(path);
        assert_eq!(
            expected("/orders/7?x=1").as_deref(),
            Some("https://api.example.com/orders/7")
        );
        assert_eq!(expected("").as_deref(), Some("https://api.example.com/"));
        // A request path that normalisation would change has no `htu`.
        for changed in ["/a/../b", "/orders/%2e", "/%7eb", "/a/./b", "/a%2fb"] {
            assert_eq!(expected(changed), None, "{changed}");
        }
        assert_eq!(
            expected("/~b/%2F").as_deref(),
            Some("https://api.example.com/~b/%2F")
        );
        assert_eq!(expected("/a b"), None);
        let want = expected("/orders").unwrap_or_default();
        assert!(matches("https://api.example.com/orders", &want));
        assert!(matches("https://API.example.com:443/orders?x#y", &want));
        assert!(matches("https://api.example.com/./orders", &want));
        assert!(!matches("http://api.example.com/orders", &want));
        assert!(!matches("https://api.example.com/orders/", &want));
        assert!(!matches("https://api.example.com:8443/orders", &want));
        assert!(!matches("https://other.example.com/orders", &want));
        assert!(!matches("/orders", &want));
    }

    #[test]
    fn the_quick_way_agrees_with_the_normalising_way() {
        let origin = Origin::parse("https://api.example.com").unwrap_or_else(|| panic!("origin"));
        let paths = [
            "/",
            "",
            "/orders",
            "/orders/",
            "/orders/7?x=1",
            "//orders",
            "/a/../b",
            "/a/./b",
            "/orders/%2e",
            "/%7eb",
            "/~b/%2F",
            "/~b/%2f",
            "/a%2fb",
            "/a b",
            "/.",
            "/..",
            "/.a",
            "/a..",
            "/a/.",
            "orders",
            "/%",
            "/é",
        ];
        let uris = [
            "https://api.example.com/",
            "https://api.example.com",
            "https://api.example.com/orders",
            "https://api.example.com/orders/",
            "https://api.example.com/orders/7",
            "https://api.example.com/orders/7?y=2#f",
            "https://api.example.com//orders",
            "https://API.example.com:443/orders",
            "https://api.example.com/./orders",
            "https://api.example.com/b",
            "https://api.example.com/~b/%2F",
            "https://api.example.com/%7Eb/%2f",
            "https://api.example.com/.a",
            "https://api.example.com/a..",
            "https://api.example.com.evil/orders",
            "https://api.example.comorders",
            "http://api.example.com/orders",
            "https://api.example.com:8443/orders",
            "/orders",
            "",
        ];
        let mut accepted = 0;
        for path in paths {
            for uri in uris {
                let slow = origin.expected(path).is_some_and(|e| matches(uri, &e));
                assert_eq!(origin.accepts(uri, path), slow, "{uri} for {path}");
                accepted += usize::from(slow);
            }
        }
        // The table holds accepted pairs as well as refused ones.
        assert!(accepted >= 10, "{accepted}");
    }
}
