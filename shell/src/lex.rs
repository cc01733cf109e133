//! Cutting a command line into tokens: words, with the parts that quoting and `$` make,
//! and operators. One scanner serves [`split_words`](crate::split_words) (words only, no
//! expansion) and the parser (operators and `$` too), so both quote alike.

use std::iter::Peekable;
use std::str::Chars;

use crate::ShellError;

/// A word of a command line, before expansion: its parts, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Word {
    /// The parts; adjacent parts of one kind are merged.
    pub parts: Vec<Part>,
    /// Whether any quoting (`'…'`, `"…"`, `\`) appears in it: such a word stays a word
    /// (perhaps empty) after expansion, while an unquoted word that expands to nothing
    /// is dropped.
    pub quoted: bool,
}

/// A piece of a [`Word`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Text outside any quotes (where `~` and `NAME=` mean something).
    Lit(String),
    /// Text from inside quotes, or escaped by `\`.
    Quoted(String),
    /// A parameter to expand: `$NAME`, `${NAME}`, `$?`, `$$`, `$1` (the name without `$`).
    Var(String),
}

impl Word {
    /// The word's text when it has no parameter in it, quotes removed.
    pub fn literal(&self) -> Option<String> {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(s) | Part::Quoted(s) => text.push_str(s),
                Part::Var(_) => return None,
            }
        }
        Some(text)
    }

    /// The word as one unquoted literal, if it is one (`2` in `2>`).
    fn plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Lit(s)] if !self.quoted => Some(s),
            _ => None,
        }
    }
}

/// An operator of the shell's grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `|`
    Pipe,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;`
    Semi,
    /// A newline: ends a command as `;` does.
    Newline,
    /// `&` (background jobs: not supported yet).
    Amp,
    /// `(` (subshells: not supported yet).
    LParen,
    /// `)`
    RParen,
    /// `<<` (here-documents: not supported yet).
    HereDoc,
    /// A redirection operator, with its descriptor number if one was written (`2>`).
    Redirect(Option<u32>, RedirectOp),
}

/// The kinds of redirection operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectOp {
    /// `<`: read from a file.
    Read,
    /// `>` (or `>|`): write a file, truncated or created.
    Write,
    /// `>>`: append to a file, created if need be.
    Append,
    /// `>&` or `<&`: duplicate another descriptor.
    Dup,
}

impl Op {
    /// The operator as written, for messages.
    pub fn text(self) -> &'static str {
        match self {
            Op::Pipe => "|",
            Op::And => "&&",
            Op::Or => "||",
            Op::Semi => ";",
            Op::Newline => "newline",
            Op::Amp => "&",
            Op::LParen => "(",
            Op::RParen => ")",
            Op::HereDoc => "<<",
            Op::Redirect(_, RedirectOp::Read) => "<",
            Op::Redirect(_, RedirectOp::Write) => ">",
            Op::Redirect(_, RedirectOp::Append) => ">>",
            Op::Redirect(_, RedirectOp::Dup) => ">&",
        }
    }
}

/// A token: a word or an operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// A word.
    Word(Word),
    /// An operator.
    Op(Op),
}

/// What the scanner recognizes beyond words.
#[derive(Clone, Copy)]
pub(crate) struct Mode {
    /// `|`, `&`, `;`, `<`, `>`, `(`, `)` and newlines are operators.
    pub operators: bool,
    /// `$` starts a parameter.
    pub parameters: bool,
}

/// Cuts `line` into tokens. Quoting follows sh(1): blanks separate words; `'…'` keeps
/// everything literally; `"…"` keeps everything but `\` before `"`, `\`, `$`, `` ` `` or
/// a newline (and `$`, which still expands); outside quotes `\` keeps the next character
/// (`\` newline joins lines); `#` at the start of a word begins a comment that runs to the
/// end of the line. An unterminated quote is a syntax error.
pub(crate) fn tokenize(line: &str, mode: Mode) -> Result<Vec<Token>, ShellError> {
    let mut lexer = Lexer {
        chars: line.chars().peekable(),
        mode,
        tokens: Vec::new(),
        word: Word::default(),
        in_word: false,
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'a> {
    chars: Peekable<Chars<'a>>,
    mode: Mode,
    tokens: Vec<Token>,
    word: Word,
    /// Whether a word has started: `''` is an empty word, not nothing.
    in_word: bool,
}

impl Lexer<'_> {
    fn run(&mut self) -> Result<(), ShellError> {
        while let Some(c) = self.chars.next() {
            match c {
                ' ' | '\t' => self.end_word(),
                '\n' => {
                    self.end_word();
                    if self.mode.operators {
                        self.tokens.push(Token::Op(Op::Newline));
                    }
                }
                '#' if !self.in_word => while self.chars.next_if(|&c| c != '\n').is_some() {},
                '\'' => {
                    self.quoted_start();
                    loop {
                        match self.chars.next() {
                            Some('\'') => break,
                            Some(c) => self.push(Kind::Quoted, c),
                            None => return Err(ShellError::syntax("unterminated ' quote")),
                        }
                    }
                }
                '"' => self.double_quoted()?,
                '\\' => match self.chars.next() {
                    Some('\n') => {}
                    Some(c) => {
                        self.quoted_start();
                        self.push(Kind::Quoted, c);
                    }
                    None => return Err(ShellError::syntax("a line cannot end with \\")),
                },
                '$' if self.mode.parameters => self.dollar(Kind::Lit)?,
                '|' | '&' | ';' | '<' | '>' | '(' | ')' if self.mode.operators => {
                    self.operator(c)?;
                }
                c => self.push(Kind::Lit, c),
            }
        }
        self.end_word();
        Ok(())
    }

    fn double_quoted(&mut self) -> Result<(), ShellError> {
        self.quoted_start();
        loop {
            match self.chars.next() {
                Some('"') => return Ok(()),
                Some('\\') => match self.chars.next() {
                    Some('\n') => {}
                    Some(c @ ('"' | '\\' | '$' | '`')) => self.push(Kind::Quoted, c),
                    Some(c) => {
                        self.push(Kind::Quoted, '\\');
                        self.push(Kind::Quoted, c);
                    }
                    None => return Err(ShellError::syntax("unterminated \" quote")),
                },
                Some('$') if self.mode.parameters => self.dollar(Kind::Quoted)?,
                Some(c) => self.push(Kind::Quoted, c),
                None => return Err(ShellError::syntax("unterminated \" quote")),
            }
        }
    }

    /// After a `$`: a parameter, or a plain `$` (of `kind`) when no name follows.
    fn dollar(&mut self, kind: Kind) -> Result<(), ShellError> {
        let name = match self.chars.peek() {
            Some(&c @ ('?' | '$')) => {
                self.chars.next();
                c.to_string()
            }
            Some('{') => {
                self.chars.next();
                let mut name = String::new();
                loop {
                    match self.chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => return Err(ShellError::syntax("unterminated ${")),
                    }
                }
                if !(name == "?" || name == "$" || is_name(&name)) {
                    return Err(ShellError::syntax(format!("${{{name}}}: bad substitution")));
                }
                name
            }
            Some(&c) if c.is_ascii_digit() => {
                self.chars.next();
                c.to_string()
            }
            Some(&c) if c == '_' || c.is_ascii_alphabetic() => {
                let mut name = String::new();
                while let Some(c) = self
                    .chars
                    .next_if(|c| *c == '_' || c.is_ascii_alphanumeric())
                {
                    name.push(c);
                }
                name
            }
            _ => {
                self.push(kind, '$');
                return Ok(());
            }
        };
        self.in_word = true;
        self.word.parts.push(Part::Var(name));
        Ok(())
    }

    fn operator(&mut self, c: char) -> Result<(), ShellError> {
        // Digits right before `<` or `>` name the descriptor: `2>`.
        let fd = match c {
            '<' | '>' => match self.word.plain() {
                Some(digits) if self.in_word && digits.bytes().all(|b| b.is_ascii_digit()) => {
                    let fd = digits.parse::<u32>().map_err(|_| {
                        ShellError::syntax(format!("{digits}: bad file descriptor"))
                    })?;
                    self.word = Word::default();
                    self.in_word = false;
                    Some(fd)
                }
                _ => None,
            },
            _ => None,
        };
        self.end_word();
        let mut next_is = |want: char| self.chars.next_if_eq(&want).is_some();
        let op = match c {
            '|' if next_is('|') => Op::Or,
            '|' => Op::Pipe,
            '&' if next_is('&') => Op::And,
            '&' => Op::Amp,
            ';' => Op::Semi,
            '(' => Op::LParen,
            ')' => Op::RParen,
            '<' if next_is('<') => Op::HereDoc,
            '<' if next_is('&') => Op::Redirect(fd, RedirectOp::Dup),
            '<' => Op::Redirect(fd, RedirectOp::Read),
            '>' if next_is('>') => Op::Redirect(fd, RedirectOp::Append),
            '>' if next_is('&') => Op::Redirect(fd, RedirectOp::Dup),
            '>' => {
                next_is('|');
                Op::Redirect(fd, RedirectOp::Write)
            }
            _ => unreachable!("operator() is called only for operator characters"),
        };
        self.tokens.push(Token::Op(op));
        Ok(())
    }

    fn quoted_start(&mut self) {
        self.in_word = true;
        self.word.quoted = true;
    }

    fn push(&mut self, kind: Kind, c: char) {
        self.in_word = true;
        match (kind, self.word.parts.last_mut()) {
            (Kind::Lit, Some(Part::Lit(s))) | (Kind::Quoted, Some(Part::Quoted(s))) => s.push(c),
            (Kind::Lit, _) => self.word.parts.push(Part::Lit(c.to_string())),
            (Kind::Quoted, _) => self.word.parts.push(Part::Quoted(c.to_string())),
        }
    }

    fn end_word(&mut self) {
        if std::mem::take(&mut self.in_word) {
            let word = std::mem::take(&mut self.word);
            self.tokens.push(Token::Word(word));
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Lit,
    Quoted,
}

/// Whether `s` is a variable name: a letter or `_`, then letters, digits and `_`.
pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHELL: Mode = Mode {
        operators: true,
        parameters: true,
    };

    fn lit(s: &str) -> Token {
        Token::Word(Word {
            parts: vec![Part::Lit(s.into())],
            quoted: false,
        })
    }

    #[test]
    fn operators_outside_quotes_only() {
        let tokens = tokenize("a|b 'c|d' e\\;f&&g||h;", SHELL).unwrap();
        let quoted = |s: &str| Part::Quoted(s.into());
        assert_eq!(
            tokens,
            [
                lit("a"),
                Token::Op(Op::Pipe),
                lit("b"),
                Token::Word(Word {
                    parts: vec![quoted("c|d")],
                    quoted: true
                }),
                Token::Word(Word {
                    parts: vec![Part::Lit("e".into()), quoted(";"), Part::Lit("f".into())],
                    quoted: true
                }),
                Token::Op(Op::And),
                lit("g"),
                Token::Op(Op::Or),
                lit("h"),
                Token::Op(Op::Semi),
            ]
        );
    }

    #[test]
    fn redirections_take_a_leading_number() {
        let tokens = tokenize("cmd 2>err >>log 2>&1 <in a2>b '2'>c", SHELL).unwrap();
        let ops: Vec<_> = tokens
            .iter()
            .filter_map(|t| match t {
                Token::Op(op) => Some(*op),
                Token::Word(_) => None,
            })
            .collect();
        use RedirectOp::*;
        assert_eq!(
            ops,
            [
                Op::Redirect(Some(2), Write),
                Op::Redirect(None, Append),
                Op::Redirect(Some(2), Dup),
                Op::Redirect(None, Read),
                Op::Redirect(None, Write),
                Op::Redirect(None, Write),
            ]
        );
        // `a2` and a quoted `2` stay words.
        assert!(tokens.contains(&lit("a2")));
    }

    #[test]
    fn parameters_expand_unquoted_and_in_double_quotes() {
        let tokens = tokenize(r#"$A "x${B}y" '$C' \$D $? $ $1x"#, SHELL).unwrap();
        let words: Vec<Vec<Part>> = tokens
            .into_iter()
            .map(|t| match t {
                Token::Word(w) => w.parts,
                Token::Op(op) => panic!("unexpected {op:?}"),
            })
            .collect();
        let v = |s: &str| Part::Var(s.into());
        let q = |s: &str| Part::Quoted(s.into());
        let l = |s: &str| Part::Lit(s.into());
        assert_eq!(
            words,
            [
                vec![v("A")],
                vec![q("x"), v("B"), q("y")],
                vec![q("$C")],
                vec![q("$"), l("D")],
                vec![v("?")],
                vec![l("$")],
                vec![v("1"), l("x")],
            ]
        );
        assert!(tokenize("${A", SHELL).is_err());
        assert!(tokenize("${A B}", SHELL).is_err());
    }

    #[test]
    fn newlines_end_commands_and_comments_end_at_them() {
        let tokens = tokenize("a # note | b\nc", SHELL).unwrap();
        assert_eq!(tokens, [lit("a"), Token::Op(Op::Newline), lit("c")]);
    }
}
