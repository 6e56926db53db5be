//! Secret redaction: every byte greenloop writes passes through a [`Redactor`].
//!
//! A secret is masked as `***` wherever it appears and in whatever form: as it is;
//! percent-encoded (`%20` or `+` for a space, either case of hex, every character or only some
//! encoded); JSON-escaped (`\"`, `\\`, `\/`, `\u00XX`); XML- or HTML-escaped (`&quot;`, `&#34;`,
//! `&#x22;`); backslash-escaped as Markdown and shells write it; any mix of those (`decode`);
//! and base64, standard or URL-safe, at any of the three byte alignments inside a longer value
//! (`forms`). One Aho-Corasick automaton holds every pattern; a text is searched once as it is
//! and once decoded, so the cost stays linear in its length (`redactor`). Output that arrives in
//! reads goes through [`StreamRedactor`] or, for stdout and stderr sharing a log,
//! [`InterleavedRedactor`], which never let a secret slip through a read boundary (`stream`).

mod decode;
mod forms;
mod redactor;
mod stream;

pub use redactor::{MASK, MIN_SECRET_LEN, Redactor, SHORT_SECRET_LEN};
pub use stream::{InterleavedRedactor, StreamRedactor};

#[cfg(test)]
mod props;
#[cfg(test)]
mod test_forms;
#[cfg(test)]
mod tests;
