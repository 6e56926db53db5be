//! Recognisers for the variable parts of error messages: each looks at the bytes from `i` and
//! returns where the lexeme ends, or `None`.
//!
//! Each looks ahead a bounded distance (a UUID, a timestamp, at most 45 bytes of IPv6) or to the
//! end of one whitespace-delimited token (a path, a duration), and the caller never retries a
//! position, so a signature stays linear in the message's length.

/// Longest textual IPv6 address (with an embedded IPv4), bounding the look-ahead.
const IPV6_MAX: usize = 45;

/// First segments of absolute paths that name a file system, not a URL route: `/tmp/…` is a file,
/// `/api/v1/…` is an endpoint the reader needs to see.
const FS_ROOTS: &[&str] = &[
    "app",
    "bin",
    "builds",
    "cache",
    "dev",
    "etc",
    "github",
    "home",
    "lib",
    "Library",
    "media",
    "mnt",
    "nix",
    "opt",
    "private",
    "proc",
    "root",
    "run",
    "runner",
    "snap",
    "srv",
    "sys",
    "tmp",
    "Users",
    "usr",
    "var",
    "Volumes",
    "work",
    "workspace",
    "workspaces",
];

/// Duration units, longest first so `ms` wins over `m`.
const UNITS: &[&str] = &[
    "secs", "sec", "mins", "min", "ms", "ns", "us", "µs", "μs", "s", "m", "h",
];

/// Whether `c` continues a word: ASCII alphanumerics, `_`, and any non-ASCII byte (so letters
/// like `é` and `µ` never split a word).
pub fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn word_at(b: &[u8], i: usize) -> bool {
    b.get(i).copied().is_some_and(is_word)
}

fn run(b: &[u8], i: usize, class: impl Fn(u8) -> bool) -> usize {
    b.get(i..)
        .map_or(0, |rest| rest.iter().take_while(|&&c| class(c)).count())
}

fn digits(b: &[u8], i: usize) -> usize {
    run(b, i, |c| c.is_ascii_digit())
}

fn is(b: &[u8], i: usize, c: u8) -> bool {
    b.get(i) == Some(&c)
}

/// `8-4-4-4-12` hex digits.
pub fn uuid(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    for (k, len) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if k > 0 {
            is(b, j, b'-').then_some(())?;
            j += 1;
        }
        (run(b, j, |c| c.is_ascii_hexdigit()) == len).then_some(())?;
        j += len;
    }
    (!word_at(b, j)).then_some(j)
}

/// `HH:MM:SS` with an optional fraction (`.123` or Python logging's `,123`); seconds are
/// optional only inside an ISO timestamp, since a bare `10:30` is as often a ratio or a position.
fn clock(b: &[u8], i: usize, need_seconds: bool) -> Option<usize> {
    let hours = digits(b, i);
    ((1..=2).contains(&hours) && is(b, i + hours, b':')).then_some(())?;
    let mut j = i + hours + 1;
    (digits(b, j) == 2).then_some(())?;
    j += 2;
    if is(b, j, b':') && digits(b, j + 1) == 2 {
        j += 3;
        if (is(b, j, b'.') || is(b, j, b',')) && digits(b, j + 1) > 0 {
            j += 1 + digits(b, j + 1);
        }
    } else if need_seconds {
        return None;
    }
    Some(j)
}

/// A wall-clock time `HH:MM:SS[.fff]` standing alone.
pub fn time_of_day(b: &[u8], i: usize) -> Option<usize> {
    clock(b, i, true).filter(|&j| !word_at(b, j) && !is(b, j, b':'))
}

/// An ISO 8601 date, with an optional time (`T` or space) and zone (`Z`, `+02:00`, `-0500`).
pub fn iso_timestamp(b: &[u8], i: usize) -> Option<usize> {
    let date = digits(b, i) == 4
        && is(b, i + 4, b'-')
        && digits(b, i + 5) == 2
        && is(b, i + 7, b'-')
        && digits(b, i + 8) == 2;
    date.then_some(())?;
    let mut j = i + 10;
    if (is(b, j, b'T') || is(b, j, b' '))
        && let Some(end) = clock(b, j + 1, false)
    {
        j = zone(b, end);
    }
    (!word_at(b, j)).then_some(j)
}

fn zone(b: &[u8], j: usize) -> usize {
    if is(b, j, b'Z') {
        return j + 1;
    }
    if !(is(b, j, b'+') || is(b, j, b'-')) || digits(b, j + 1) < 2 {
        return j;
    }
    match (
        digits(b, j + 1),
        is(b, j + 3, b':') && digits(b, j + 4) == 2,
    ) {
        (4, _) => j + 5,
        (2, true) => j + 6,
        (2, false) => j + 3,
        _ => j,
    }
}

/// A dotted-quad IPv4 address, every part at most 255.
pub fn ipv4(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    for part in 0..4 {
        if part > 0 {
            is(b, j, b'.').then_some(())?;
            j += 1;
        }
        let len = digits(b, j);
        let text = std::str::from_utf8(&b[j..j + len]).ok()?;
        ((1..=3).contains(&len) && text.parse::<u16>().ok()? <= 255).then_some(())?;
        j += len;
    }
    let more = is(b, j, b'.') && b.get(j + 1).is_some_and(u8::is_ascii_digit);
    (!word_at(b, j) && !more).then_some(j)
}

/// An IPv6 address: full (seven colons) or compressed with `::`. Compressed forms must carry a
/// digit in every group (or have three groups), so code paths like `abc::def1` stay words, and
/// a bare `100::` must have two groups, so a number before `::` stays a number.
pub fn ipv6(b: &[u8], i: usize) -> Option<usize> {
    let len = run(b, i, |c| c.is_ascii_hexdigit() || c == b':').min(IPV6_MAX);
    let text = std::str::from_utf8(&b[i..i + len]).ok()?;
    let end = i + len;
    if word_at(b, end) || is(b, end, b'.') || text.contains(":::") {
        return None;
    }
    let colons = text.matches(':').count();
    let compressed = text.contains("::");
    let groups: Vec<&str> = text.split(':').filter(|g| !g.is_empty()).collect();
    let valid = colons >= 2
        && (compressed || colons == 7)
        && groups.len() <= 8
        && !groups.is_empty()
        && groups.iter().all(|g| g.len() <= 4)
        && text.bytes().any(|c| c.is_ascii_digit());
    let bare_prefix = text.ends_with("::") && groups.len() < 2;
    let code_like = bare_prefix
        || compressed
            && groups.len() < 3
            && !groups.iter().all(|g| g.bytes().any(|c| c.is_ascii_digit()));
    (valid && !code_like).then_some(end)
}

/// A duration with its unit attached: `250ms`, `1.23s`, `5min`, Go's `1m30.5s`.
pub fn duration(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    loop {
        let whole = digits(b, j);
        (whole > 0).then_some(())?;
        j += whole;
        if is(b, j, b'.') && digits(b, j + 1) > 0 {
            j += 1 + digits(b, j + 1);
        }
        let unit = UNITS.iter().find(|u| b[j..].starts_with(u.as_bytes()))?;
        j += unit.len();
        if !b.get(j).is_some_and(u8::is_ascii_digit) {
            return (!word_at(b, j)).then_some(j);
        }
    }
}

/// A file path: absolute Unix paths under a file-system root or ending in a file name with an
/// extension, `~/…`, Windows drive paths and UNC shares. It ends before a `:` (so `:42` line
/// numbers stay visible), whitespace, quotes or brackets, and a sentence's final `.`.
pub fn path(b: &[u8], i: usize) -> Option<usize> {
    let (body, always) = match b.get(i..i + 3)? {
        [b'~', b'/', _] => (i + 1, true),
        [b'\\', b'\\', c] if is_word(*c) => (i + 2, true),
        [d, b':', b'\\' | b'/'] if d.is_ascii_alphabetic() => (i + 2, true),
        [b'/', c, _] if is_word(*c) => (i, false),
        _ => return None,
    };
    let len = run(b, body, |c| {
        !c.is_ascii_whitespace() && !b"'\"`()[]{}<>,;:|".contains(&c)
    });
    let mut end = body + len;
    while end > body && b[end - 1] == b'.' {
        end -= 1;
    }
    let text = std::str::from_utf8(&b[body..end]).ok()?;
    (always || is_file_path(text)).then_some(end)
}

fn is_file_path(text: &str) -> bool {
    let mut segments = text.split(['/', '\\']).filter(|s| !s.is_empty());
    let first = segments.next().unwrap_or("");
    let last = text.rsplit(['/', '\\']).next().unwrap_or("");
    let has_extension = last.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=8).contains(&ext.len())
            && ext.bytes().all(|c| c.is_ascii_alphanumeric())
    });
    FS_ROOTS.contains(&first) || has_extension
}
