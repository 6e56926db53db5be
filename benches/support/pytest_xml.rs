//! A deterministic generator of realistic pytest-style JUnit XML, shared by the benches.

use std::fmt::Write;

/// A small deterministic generator (xorshift), so every run measures the same document.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const AREAS: [&str; 8] = [
    "e2e",
    "api",
    "unit",
    "integration",
    "contract",
    "smoke",
    "perf",
    "security",
];
const TOPICS: [&str; 12] = [
    "websocket_events",
    "billing_invoices",
    "auth_tokens",
    "user_profiles",
    "search_index",
    "rate_limits",
    "webhooks",
    "uploads",
    "notifications",
    "sessions",
    "feature_flags",
    "audit_log",
];
const VERBS: [&str; 6] = [
    "creates", "rejects", "updates", "lists", "deletes", "retries",
];
const NOUNS: [&str; 6] = ["message", "invoice", "token", "profile", "event", "session"];

/// A realistic pytest-style JUnit document with `cases` test cases: dotted classnames,
/// parametrize ids, ~3% failures with multi-line tracebacks, ~5% skips, and captured output.
pub fn generate(cases: usize) -> String {
    generate_range(0..cases, 0x9E37_79B9_7F4A_7C15)
}

/// The cases numbered `range`: a case's name depends only on its number, its outcome on
/// `outcome_seed` too, so two documents over overlapping ranges share tests (some added, some
/// removed) and differ in outcomes.
pub fn generate_range(range: std::ops::Range<usize>, outcome_seed: u64) -> String {
    let cases = range.len();
    let mut outcomes = Rng(outcome_seed | 1);
    let mut body = String::with_capacity(cases * 700);
    let (mut failures, mut skipped) = (0, 0);
    for i in range {
        let mut rng = Rng((i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let area = AREAS[rng.below(AREAS.len() as u64) as usize];
        let topic = TOPICS[rng.below(TOPICS.len() as u64) as usize];
        let verb = VERBS[rng.below(VERBS.len() as u64) as usize];
        let noun = NOUNS[rng.below(NOUNS.len() as u64) as usize];
        let classname = format!("tests.{area}.test_{topic}");
        let name = format!(
            "test_{verb}_{noun}[{}-{}-case{i}]",
            ["ws", "http", "grpc"][rng.below(3) as usize],
            ["fast", "slow"][rng.below(2) as usize]
        );
        let time = rng.below(250_000) as f64 / 100_000.0;
        let line = 10 + rng.below(900);
        let _ = write!(
            body,
            "    <testcase classname=\"{classname}\" name=\"{name}\" file=\"tests/{area}/test_{topic}.py\" line=\"{line}\" time=\"{time:.3}\""
        );
        let roll = outcomes.below(1000);
        if roll < 30 {
            failures += 1;
            body.push_str(">\n");
            let _ = write!(
                body,
                "      <failure message=\"AssertionError: expected status 200, got 503 for {noun} &apos;{i}&apos;\">"
            );
            for frame in 0..28 {
                let _ = writeln!(
                    body,
                    "tests/{area}/test_{topic}.py:{}: in {verb}_{noun}_{frame}\n    response = client.post(&quot;/api/{noun}s&quot;, json=payload)",
                    line + frame
                );
            }
            let _ = writeln!(
                body,
                "E   AssertionError: expected status 200, got 503\nE   assert 503 == 200</failure>"
            );
            push_system_out(&mut body, &mut rng, 30);
            body.push_str("    </testcase>\n");
        } else if roll < 80 {
            skipped += 1;
            let _ = writeln!(
                body,
                ">\n      <skipped type=\"pytest.skip\" message=\"requires staging {noun} service\">tests/{area}/test_{topic}.py:{line}: requires staging {noun} service</skipped>\n    </testcase>"
            );
        } else if roll < 300 {
            body.push_str(">\n");
            push_system_out(&mut body, &mut rng, 12);
            body.push_str("    </testcase>\n");
        } else {
            body.push_str(" />\n");
        }
    }
    let mut document = String::with_capacity(body.len() + 512);
    let _ = write!(
        document,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<testsuites name=\"pytest tests\">\n  <testsuite name=\"pytest\" errors=\"0\" failures=\"{failures}\" skipped=\"{skipped}\" tests=\"{cases}\" time=\"{:.3}\" timestamp=\"2026-11-22T10:00:00\" hostname=\"ci-runner\">\n",
        cases as f64 * 1.3
    );
    document.push_str(&body);
    document.push_str("  </testsuite>\n</testsuites>\n");
    document
}

fn push_system_out(body: &mut String, rng: &mut Rng, lines: u64) {
    body.push_str("      <system-out>");
    for l in 0..lines {
        let _ = writeln!(
            body,
            "2026-11-22 10:00:{:02} INFO staging.client request id={} status={} elapsed_ms={} &lt;ok&gt;",
            l % 60,
            rng.below(1_000_000),
            [200, 201, 204, 503][rng.below(4) as usize],
            rng.below(900)
        );
    }
    body.push_str("</system-out>\n");
}
