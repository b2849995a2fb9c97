//! Running the real `charla` binary: with a time limit, from the crate root, its standard output
//! and error collected, failing the test if it hangs, dies of a signal or panics.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_charla");
/// Generous for a debug build on a busy 2-core machine; every run in the tests takes well under
/// it.
pub const LIMIT: Duration = Duration::from_secs(20);

/// What a finished run printed and returned.
pub struct Run {
    /// The arguments it was run with, for failure messages.
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code (a failure shows the whole run, arguments included) and returns the
    /// run for further checks.
    #[track_caller]
    pub fn assert_exit(self, code: i32) -> Run {
        assert_eq!(self.code, code, "{self:?}");
        self
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Outputs of huge inputs can be huge: show the start only.
        let cut = |s: &str| s.chars().take(3000).collect::<String>();
        write!(
            f,
            "`charla {}`: exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.args.join(" "),
            self.code,
            cut(&self.stdout),
            cut(&self.stderr)
        )
    }
}

/// `charla ARGS` from the crate root, with no input and both outputs piped, not started yet.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs `charla ARGS` (without `NO_COLOR` unless `env` sets it, and with the rest of `env`);
/// fails if it runs longer than [`LIMIT`] (the process is killed), dies of a signal or panics.
pub fn charla_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    charla_full(args, env, None)
}

/// [`charla`] with `input` on its standard input (closed after it), as a person or a script
/// typing to `charla chat`.
pub fn charla_input(args: &[&str], input: &str) -> Run {
    charla_full(args, &[], Some(input))
}

fn charla_full(args: &[&str], env: &[(&str, &str)], input: Option<&str>) -> Run {
    let mut command = command(args);
    command.env_remove("NO_COLOR");
    for (k, v) in env {
        command.env(k, v);
    }
    if input.is_some() {
        command.stdin(Stdio::piped());
    }
    let mut child = command.spawn().expect("cannot start charla");
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        let input = input.to_string();
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(input.as_bytes());
        });
    }
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`charla {}` did not finish within {LIMIT:?} (killed)",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let run = Run {
        args: args.iter().map(|a| a.to_string()).collect(),
        code: status.code().unwrap_or_else(|| {
            panic!(
                "`charla {}` was killed by a signal: {status:?}",
                args.join(" ")
            )
        }),
        stdout: String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked") && run.code != 101,
        "charla panicked: {run:?}"
    );
    run
}

/// [`charla_env`] with no changes to the environment but `NO_COLOR` removed.
pub fn charla(args: &[&str]) -> Run {
    charla_env(args, &[])
}
