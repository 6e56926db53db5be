//! A Markdown report as an HTML fragment for the dashboard, safe to insert into its page.
//!
//! Reports carry text greenloop does not control (test names, failure messages, command
//! output), and pulldown-cmark passes raw HTML through and never checks link targets. So raw
//! HTML becomes escaped text, links keep their target only when it is `http(s):`, `mailto:` or
//! an in-page `#anchor` (relative ones point into `reports/`, which the daemon does not serve),
//! and images become their alt text (a report never loads anything).

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// Renders `markdown` (GitHub-style tables on) as an HTML fragment with no raw HTML, no
/// scriptable links and no images.
pub fn markdown_to_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Sanitized::new(markdown));
    html
}

/// The parser's events with everything unsafe turned into text or dropped.
struct Sanitized<'a> {
    parser: Parser<'a>,
    /// Set while inside a link whose tags were dropped, so its end is dropped too (links do
    /// not nest in CommonMark).
    in_dropped_link: bool,
}

impl<'a> Sanitized<'a> {
    fn new(markdown: &'a str) -> Self {
        Self {
            parser: Parser::new_ext(markdown, Options::ENABLE_TABLES),
            in_dropped_link: false,
        }
    }
}

impl<'a> Iterator for Sanitized<'a> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        loop {
            let event = self.parser.next()?;
            match event {
                Event::Html(raw) | Event::InlineHtml(raw) => return Some(Event::Text(raw)),
                Event::Start(Tag::Link {
                    link_type,
                    ref dest_url,
                    ..
                }) if !safe_target(link_type, dest_url) => self.in_dropped_link = true,
                Event::End(TagEnd::Link) if self.in_dropped_link => self.in_dropped_link = false,
                // The alt text between these arrives as ordinary text events.
                Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
                event => return Some(event),
            }
        }
    }
}

/// Whether a link may keep its target: an allow-list, so `javascript:`, `data:` and any
/// spelling of them (case, whitespace, control characters) is out.
fn safe_target(link_type: LinkType, dest: &CowStr<'_>) -> bool {
    if link_type == LinkType::Email {
        // The writer adds `mailto:` to the address itself.
        return true;
    }
    let lower = dest.to_ascii_lowercase();
    ["http://", "https://", "mailto:", "#"]
        .iter()
        .any(|prefix| lower.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::markdown_to_html;

    #[test]
    fn renders_headings_and_tables() {
        let html = markdown_to_html("# Title — Loop 1\n\n| a | b |\n| --- | ---: |\n| 1 | 2 |\n");
        assert!(html.contains("<h1>Title — Loop 1</h1>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(
            html.contains("<td style=\"text-align: right\">2</td>"),
            "{html}"
        );
    }

    #[test]
    fn raw_html_is_text() {
        for markdown in [
            "<script>alert(1)</script>\n",
            "a <img src=x onerror=alert(1)> b\n",
            "> `x` <script>alert(1)</script>\n",
            "| t |\n| - |\n| <b onclick=alert(1)>x</b> |\n",
        ] {
            let html = markdown_to_html(markdown);
            assert!(!html.contains("<script"), "{markdown:?} → {html}");
            assert!(!html.contains("<img"), "{markdown:?} → {html}");
            assert!(!html.contains("<b "), "{markdown:?} → {html}");
            assert!(html.contains("&lt;"), "{markdown:?} → {html}");
        }
    }

    #[test]
    fn only_safe_link_targets_survive() {
        let html = markdown_to_html(
            "[web](https://example.com) [up](#top) [log](logs/a.log) \
             [js](javascript:alert(1)) [js2](JaVaScRiPt:alert(1)) [data](data:text/html,x) \
             <mailto:a@example.com> <a@example.com>\n",
        );
        assert!(
            html.contains("<a href=\"https://example.com\">web</a>"),
            "{html}"
        );
        assert!(html.contains("<a href=\"#top\">up</a>"), "{html}");
        assert!(html.contains("log js js2 data"), "the text stays: {html}");
        assert!(!html.contains("logs/a.log"), "{html}");
        assert!(!html.to_ascii_lowercase().contains("javascript"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("href=\"mailto:a@example.com\""), "{html}");
        assert_eq!(html.matches("<a ").count(), 4, "{html}");
    }

    #[test]
    fn images_become_their_alt_text() {
        let html =
            markdown_to_html("![trend chart](trend.svg) ![x](https://tracker.example/p.gif)\n");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("trend chart"), "{html}");
    }
}
