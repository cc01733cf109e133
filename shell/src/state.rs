//! What a shell remembers between command lines: working directory, variables, the last
//! status, and whether `exit` was asked for.

use std::collections::BTreeMap;

use crate::lex::is_name;

/// A shell variable.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Var {
    value: String,
    /// Whether commands get it in their environment.
    exported: bool,
}

/// The state of a shell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct State {
    /// The working directory.
    pub cwd: String,
    vars: BTreeMap<String, Var>,
    /// `$?`: the status of the last pipeline.
    pub status: i32,
    /// The status `exit` asked to end with.
    pub exit: Option<i32>,
}

impl State {
    /// A state in `cwd` with no variables.
    pub fn new(cwd: impl Into<String>) -> Self {
        State {
            cwd: cwd.into(),
            ..State::default()
        }
    }

    /// A state from a process's environment (all exported) and directory.
    pub fn from_environment(cwd: String, env: Vec<(String, String)>) -> Self {
        let mut state = State::new(cwd);
        for (name, value) in env {
            state.set(&name, value, true);
        }
        state
    }

    /// The value of a variable (`?` is the last status).
    pub fn get(&self, name: &str) -> Option<String> {
        if name == "?" {
            return Some(self.status.to_string());
        }
        self.vars.get(name).map(|v| v.value.clone())
    }

    /// Sets a variable, keeping it exported if it was (and exporting it if `export`).
    /// Names that are not valid are ignored: callers check them.
    pub fn set(&mut self, name: &str, value: String, export: bool) {
        if !is_name(name) {
            return;
        }
        let var = self.vars.entry(name.to_string()).or_insert(Var {
            value: String::new(),
            exported: false,
        });
        var.value = value;
        var.exported |= export;
    }

    /// Marks a variable exported; false if it is not set.
    pub fn export(&mut self, name: &str) -> bool {
        match self.vars.get_mut(name) {
            Some(var) => {
                var.exported = true;
                true
            }
            None => false,
        }
    }

    /// The exported variables, by name: a command's environment.
    pub fn environment(&self) -> Vec<(String, String)> {
        self.vars
            .iter()
            .filter(|(_, v)| v.exported)
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_and_exports() {
        let mut state = State::new("/");
        state.set("A", "1".into(), false);
        state.set("B", "2".into(), true);
        state.set("1x", "no".into(), true);
        assert_eq!(state.environment(), [("B".to_string(), "2".to_string())]);
        assert!(state.export("A"));
        assert!(!state.export("C"));
        state.set("B", "3".into(), false);
        assert_eq!(state.environment().len(), 2, "B stays exported");
        assert_eq!(state.get("B").as_deref(), Some("3"));
        state.status = 127;
        assert_eq!(state.get("?").as_deref(), Some("127"));
    }
}
