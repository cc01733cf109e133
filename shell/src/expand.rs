//! Expansion of words: `~`, and parameters (`$NAME`, `${NAME}`, `$?`, `$$`).
//!
//! Simpler than POSIX on purpose: the value of a parameter is never split into several
//! words (as if always quoted, like zsh), and there is no globbing yet. An unquoted word
//! that expands to nothing (`$UNSET`) is dropped, as in sh.

use crate::lex::{Part, Word};

/// Expands `word`, looking parameters up with `lookup` (unset ones give nothing).
/// `None` when the word goes away.
pub(crate) fn expand(word: &Word, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut text = String::new();
    for (n, part) in word.parts.iter().enumerate() {
        match part {
            Part::Lit(s) if n == 0 => text.push_str(&tilde(s, lookup)),
            Part::Lit(s) | Part::Quoted(s) => text.push_str(s),
            Part::Var(name) => text.push_str(&lookup(name).unwrap_or_default()),
        }
    }
    if text.is_empty() && !word.quoted {
        return None;
    }
    Some(text)
}

/// `~` alone or before `/` at the start of a word is `$HOME`.
fn tilde(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    match s.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => match lookup("HOME") {
            Some(home) => format!("{home}{rest}"),
            None => s.to_string(),
        },
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::{Mode, Token, tokenize};

    fn expand_line(line: &str) -> Vec<String> {
        let lookup = |name: &str| match name {
            "HOME" => Some("/home/u".to_string()),
            "A" => Some("a b".to_string()),
            "?" => Some("1".to_string()),
            _ => None,
        };
        let mode = Mode {
            operators: true,
            parameters: true,
        };
        tokenize(line, mode)
            .unwrap()
            .iter()
            .filter_map(|t| match t {
                Token::Word(w) => expand(w, &lookup),
                Token::Op(_) => None,
            })
            .collect()
    }

    #[test]
    fn parameters_tilde_and_empty_words() {
        assert_eq!(expand_line("x$A-$? '$A'"), ["xa b-1", "$A"]);
        assert_eq!(
            expand_line("~ ~/d a~ '~' ~x"),
            ["/home/u", "/home/u/d", "a~", "~", "~x"]
        );
        assert_eq!(expand_line("$NONE \"$NONE\" ''"), ["", ""]);
    }
}
