//! Splitting a command line into words, as a POSIX shell does before expansion.

use crate::ShellError;
use crate::lex::{Mode, Token, tokenize};

/// Cuts `line` into words.
///
/// As in sh(1): blanks separate words; `'…'` keeps everything literally; `"…"` keeps
/// everything but `\` before `"`, `\`, `$`, `` ` `` or a newline; outside quotes `\`
/// keeps the next character (and `\` newline joins lines); `#` at the start of a word
/// begins a comment that runs to the end of the line. Quotes inside a word join it
/// (`a"b c"d` is one word, `ab cd`). An unterminated quote is a syntax error (EINVAL).
/// Nothing else is special here: `|`, `;`, `>` and `$` are word characters (the shell's
/// parser is what treats them as operators and parameters).
pub fn split_words(line: &str) -> Result<Vec<String>, ShellError> {
    let mode = Mode {
        operators: false,
        parameters: false,
    };
    Ok(tokenize(line, mode)?
        .into_iter()
        .filter_map(|token| match token {
            Token::Word(word) => word.literal(),
            Token::Op(_) => None,
        })
        .collect())
}

/// Quotes `word` so that [`split_words`] gives it back as one word: as is when it holds
/// only characters no shell treats specially, else in single quotes (a `'` inside becomes
/// `'\''`).
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quoting_rules() {
        assert_eq!(split_words("  ls   -l  ").unwrap(), ["ls", "-l"]);
        assert_eq!(split_words(r#"a"b c"d"#).unwrap(), ["ab cd"]);
        assert_eq!(split_words("echo '' x").unwrap(), ["echo", "", "x"]);
        assert_eq!(split_words(r#""\$HOME \q \\""#).unwrap(), [r"$HOME \q \"]);
        assert_eq!(split_words("a\\\nb").unwrap(), ["ab"]);
        assert_eq!(split_words("echo a#b # c").unwrap(), ["echo", "a#b"]);
        assert!(split_words("# only a comment").unwrap().is_empty());
        assert_eq!(split_words("a # note\nb").unwrap(), ["a", "b"]);
        assert_eq!(split_words("a|b>c $d").unwrap(), ["a|b>c", "$d"]);
    }

    #[test]
    fn unterminated_quotes_are_syntax_errors() {
        for line in ["'abc", "\"abc", "abc\\", "\"abc\\"] {
            let err = split_words(line).unwrap_err();
            assert_eq!(err.errno, vproc_kernel::Errno::EINVAL, "{line}");
        }
    }

    proptest! {
        /// Any list of words, quoted and joined, splits back into the same words.
        #[test]
        fn quote_then_split_round_trips(words in proptest::collection::vec(".*", 0..8)) {
            let line = words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(split_words(&line).unwrap(), words);
        }
    }
}
