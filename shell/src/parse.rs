//! Parsing a command line: lists of pipelines joined by `;`, `&&` and `||`, each
//! pipeline a chain of simple commands joined by `|`, each command words and
//! redirections.

use crate::ShellError;
use crate::lex::{Mode, Op, RedirectOp, Token, Word, tokenize};

/// A parsed command line: and-or lists, run one after the other (`;` or newline between).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    /// The lists, in order.
    pub lists: Vec<AndOr>,
}

/// Pipelines joined by `&&` and `||`, which bind equally, left to right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AndOr {
    /// The first pipeline, always run.
    pub first: Pipeline,
    /// The others, each run or skipped by the status so far.
    pub rest: Vec<(Connector, Pipeline)>,
}

/// What joins two pipelines of an [`AndOr`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connector {
    /// `&&`: run the next one if the status so far is 0.
    And,
    /// `||`: run the next one if the status so far is not 0.
    Or,
}

/// Simple commands joined by `|`, each one's standard output the next one's input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    /// The commands, at least one.
    pub commands: Vec<SimpleCommand>,
}

/// A command: words (the first names the program; leading `NAME=value` words are
/// assignments) and redirections, in the order written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimpleCommand {
    /// The words.
    pub words: Vec<Word>,
    /// The redirections, applied in order.
    pub redirects: Vec<Redirect>,
}

/// A redirection: descriptor `fd` is set up from `target` before the command runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The descriptor redirected (0 for `<` by default, 1 for `>`).
    pub fd: u32,
    /// What is done to it.
    pub kind: RedirectKind,
}

/// What a [`Redirect`] does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedirectKind {
    /// `< file`
    Read(Word),
    /// `> file`
    Write(Word),
    /// `>> file`
    Append(Word),
    /// `>&n` or `<&n`: a copy of descriptor n.
    Dup(u32),
}

/// Parses a command line. Syntax errors say what was unexpected, as sh does
/// (`syntax error near unexpected token '|'`); background jobs, subshells and
/// here-documents are refused as not supported yet.
pub fn parse(line: &str) -> Result<Script, ShellError> {
    let mode = Mode {
        operators: true,
        parameters: true,
    };
    let tokens = tokenize(line, mode)?;
    Parser { tokens, at: 0 }.script()
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next_op_is(&mut self, op: Op) -> bool {
        if self.peek() == Some(&Token::Op(op)) {
            self.at += 1;
            return true;
        }
        false
    }

    fn skip_newlines(&mut self) {
        while self.next_op_is(Op::Newline) {}
    }

    fn script(mut self) -> Result<Script, ShellError> {
        let mut script = Script::default();
        loop {
            self.skip_newlines();
            if self.peek().is_none() {
                return Ok(script);
            }
            script.lists.push(self.and_or()?);
            match self.peek() {
                None => return Ok(script),
                Some(Token::Op(Op::Semi | Op::Newline)) => self.at += 1,
                Some(_) => return Err(self.unexpected()),
            }
        }
    }

    fn and_or(&mut self) -> Result<AndOr, ShellError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let connector = if self.next_op_is(Op::And) {
                Connector::And
            } else if self.next_op_is(Op::Or) {
                Connector::Or
            } else {
                return Ok(AndOr { first, rest });
            };
            self.skip_newlines();
            rest.push((connector, self.pipeline()?));
        }
    }

    fn pipeline(&mut self) -> Result<Pipeline, ShellError> {
        let mut commands = vec![self.command()?];
        while self.next_op_is(Op::Pipe) {
            self.skip_newlines();
            commands.push(self.command()?);
        }
        Ok(Pipeline { commands })
    }

    fn command(&mut self) -> Result<SimpleCommand, ShellError> {
        let mut command = SimpleCommand::default();
        loop {
            match self.peek() {
                Some(Token::Word(word)) => {
                    command.words.push(word.clone());
                    self.at += 1;
                }
                Some(&Token::Op(Op::Redirect(fd, op))) => {
                    self.at += 1;
                    command.redirects.push(self.redirect(fd, op)?);
                }
                _ => break,
            }
        }
        if command.words.is_empty() && command.redirects.is_empty() {
            return Err(self.unexpected());
        }
        Ok(command)
    }

    fn redirect(&mut self, fd: Option<u32>, op: RedirectOp) -> Result<Redirect, ShellError> {
        let Some(Token::Word(target)) = self.peek().cloned() else {
            return Err(self.unexpected());
        };
        self.at += 1;
        let (default_fd, kind) = match op {
            RedirectOp::Read => (0, RedirectKind::Read(target)),
            RedirectOp::Write => (1, RedirectKind::Write(target)),
            RedirectOp::Append => (1, RedirectKind::Append(target)),
            RedirectOp::Dup => {
                let number = target.literal().and_then(|t| t.parse::<u32>().ok());
                let Some(number) = number else {
                    return Err(ShellError::syntax(format!(
                        "{}: a descriptor number must follow >& (closing with >&- is not \
                         supported yet)",
                        target.literal().unwrap_or_else(|| "$…".into())
                    )));
                };
                (1, RedirectKind::Dup(number))
            }
        };
        Ok(Redirect {
            fd: fd.unwrap_or(default_fd),
            kind,
        })
    }

    /// The error for the token at hand (or the end of the line).
    fn unexpected(&self) -> ShellError {
        match self.peek() {
            None => ShellError::syntax("syntax error: unexpected end of line"),
            Some(Token::Op(Op::Amp)) => {
                ShellError::syntax("background jobs (&) are not supported yet")
            }
            Some(Token::Op(Op::LParen | Op::RParen)) => {
                ShellError::syntax("subshells ( … ) are not supported yet")
            }
            Some(Token::Op(Op::HereDoc)) => {
                ShellError::syntax("here-documents (<<) are not supported yet")
            }
            Some(Token::Op(op)) => ShellError::syntax(format!(
                "syntax error near unexpected token '{}'",
                op.text()
            )),
            Some(Token::Word(w)) => ShellError::syntax(format!(
                "syntax error near unexpected word '{}'",
                w.literal().unwrap_or_default()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::Part;

    fn words(command: &SimpleCommand) -> Vec<String> {
        command
            .words
            .iter()
            .map(|w| w.literal().unwrap_or_default())
            .collect()
    }

    #[test]
    fn lists_and_or_and_pipelines() {
        let script = parse("a | b c && d || e; f\n\ng |\n h").unwrap();
        assert_eq!(script.lists.len(), 3);
        let first = &script.lists[0];
        assert_eq!(first.first.commands.len(), 2);
        assert_eq!(words(&first.first.commands[1]), ["b", "c"]);
        let connectors: Vec<_> = first.rest.iter().map(|(c, _)| *c).collect();
        assert_eq!(connectors, [Connector::And, Connector::Or]);
        assert_eq!(words(&script.lists[1].first.commands[0]), ["f"]);
        assert_eq!(script.lists[2].first.commands.len(), 2, "a newline after |");
        assert!(parse("").unwrap().lists.is_empty());
        assert!(parse("  # just a comment").unwrap().lists.is_empty());
        assert_eq!(parse("a;").unwrap().lists.len(), 1);
    }

    #[test]
    fn redirections_in_order() {
        let script = parse("cmd >out 2>&1 <in 2>>log arg").unwrap();
        let command = &script.lists[0].first.commands[0];
        assert_eq!(words(command), ["cmd", "arg"]);
        let lit = |s: &str| Word {
            parts: vec![Part::Lit(s.into())],
            quoted: false,
        };
        assert_eq!(
            command.redirects,
            [
                Redirect {
                    fd: 1,
                    kind: RedirectKind::Write(lit("out"))
                },
                Redirect {
                    fd: 2,
                    kind: RedirectKind::Dup(1)
                },
                Redirect {
                    fd: 0,
                    kind: RedirectKind::Read(lit("in"))
                },
                Redirect {
                    fd: 2,
                    kind: RedirectKind::Append(lit("log"))
                },
            ]
        );
        // A command may be only redirections (`> file` makes an empty file).
        assert_eq!(
            parse(">f").unwrap().lists[0].first.commands[0].words.len(),
            0
        );
    }

    #[test]
    fn syntax_errors_name_the_token() {
        let message = |line: &str| parse(line).unwrap_err().message;
        assert_eq!(message("| a"), "syntax error near unexpected token '|'");
        assert_eq!(message("a |"), "syntax error: unexpected end of line");
        assert_eq!(
            message("a && ; b"),
            "syntax error near unexpected token ';'"
        );
        assert_eq!(message("a >"), "syntax error: unexpected end of line");
        assert_eq!(message("a > | b"), "syntax error near unexpected token '|'");
        assert_eq!(message("; a"), "syntax error near unexpected token ';'");
        assert!(message("sleep 1 &").contains("not supported yet"));
        assert!(message("(a)").contains("not supported yet"));
        assert!(message("cat <<EOF").contains("not supported yet"));
        assert!(message("a >&x").contains("descriptor number"));
        assert!(message("echo 'open").contains("unterminated"));
    }
}
