//! Article bodies: Markdown in, sanitised HTML out. Rendering is
//! CommonMark with tables, strikethrough and task lists (pulldown-cmark);
//! sanitising (ammonia) keeps formatting, links and images and removes
//! every script, style, event handler and `javascript:`/`data:` URL,
//! whatever the Markdown's raw HTML tried.

use std::borrow::Cow;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The largest body accepted, in bytes of Markdown.
pub const MAX_MARKDOWN_BYTES: usize = 256 * 1024;

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// The body as safe HTML for any page to embed.
pub fn to_html(markdown: &str) -> String {
    to_html_rewriting(markdown, |_| None)
}

/// Like [`to_html`], with relative addresses (`/v1/help/…`) passed
/// through `rewrite` (`None` keeps one as it is).
pub fn to_html_rewriting(
    markdown: &str,
    rewrite: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> String {
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut raw, Parser::new_ext(markdown, options()));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_relative(ammonia::UrlRelative::Custom(Box::new(evaluator(
            move |url| {
                Some(match rewrite(url) {
                    Some(new) => Cow::Owned(new),
                    None => Cow::Borrowed(url),
                })
            },
        ))))
        .clean(&raw)
        .to_string()
}

/// Gives a closure the signature ammonia asks of an address rewriter
/// (the answer may borrow the address it was given).
fn evaluator<F>(f: F) -> F
where
    F: for<'u> Fn(&'u str) -> Option<Cow<'u, str>>,
{
    f
}

/// The body's words without markup (what search indexes and quotes).
pub fn to_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::Rule => text.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell,
            ) => text.push(' '),
            Event::Start(Tag::CodeBlock(_)) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = to_html("# Reset\n\nOpen **Settings** and [sign in](https://example.com).");
        assert!(html.contains("<h1>Reset</h1>"), "{html}");
        assert!(html.contains("<strong>Settings</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.com" rel="noopener noreferrer nofollow">"#),
            "{html}"
        );
    }

    #[test]
    fn no_script_handler_or_script_url_survives() {
        let attacks = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<svg onload=alert(1)></svg>",
            "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
            "<style>body{display:none}</style>",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
        ];
        for attack in attacks {
            let html = to_html(attack).to_ascii_lowercase();
            for banned in [
                "<script",
                "onerror",
                "onload",
                "javascript:",
                "<iframe",
                "data:",
                "<style",
                "style=",
            ] {
                assert!(!html.contains(banned), "{attack} left {banned}: {html}");
            }
        }
    }

    #[test]
    fn relative_addresses_can_be_rewritten_and_others_cannot() {
        let html = to_html_rewriting(
            "![a](/v1/help/acme/x.png) [b](https://example.com/y) [c](javascript:alert(1))",
            |url| {
                url.starts_with("/v1/help/")
                    .then(|| format!("{url}?signed"))
            },
        );
        assert!(
            html.contains(r#"src="/v1/help/acme/x.png?signed""#),
            "{html}"
        );
        assert!(html.contains(r#"href="https://example.com/y""#), "{html}");
        assert!(!html.contains("javascript"), "{html}");
    }

    #[test]
    fn text_drops_the_markup() {
        assert_eq!(
            to_text("# Reset\n\nOpen **Settings**, then `Passwords`.\n\n- one\n- two"),
            "Reset Open Settings, then Passwords. one two"
        );
    }
}
