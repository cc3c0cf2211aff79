//! `TestApp`: the real `tutor` binary running against a [`FakeApi`] on a
//! temporary database (zero2prod's `spawn_app`), plus [`run_tutor`] for
//! one-shot commands.
//!
//! The child gets `TELOXIDE_TOKEN` = [`TEST_TOKEN`], `TELOXIDE_API_URL` = the
//! fake's URL, `RUST_LOG=debug`, and `HOME`/`XDG_*_HOME` inside the temp dir;
//! inherited `TELOXIDE_*`, `TUTOR_*` and proxy variables are removed. Its stdout
//! and stderr are captured (set `E2E_ECHO=1` to also see them live).

use std::{
    ffi::OsString,
    io::{Read, Write},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Output, Stdio},
    sync::{Arc, Mutex},
    thread::JoinHandle,
    time::{Duration, Instant},
};

use tempfile::TempDir;

use super::fake_api::{FakeApi, TEST_TOKEN};

/// Path of the bot binary under test.
pub const TUTOR_BIN: &str = env!("CARGO_BIN_EXE_tutor");

/// How long `spawn`/`restart` wait for the first `getUpdates` by default.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

type Buf = Arc<Mutex<Vec<u8>>>;

#[derive(Clone)]
struct Launch {
    program: PathBuf,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    wait_started: bool,
    start_timeout: Duration,
}

/// Configures a [`TestApp`]; see [`TestApp::builder`].
pub struct TestAppBuilder {
    program: Option<(PathBuf, Vec<String>)>,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    fake: Option<FakeApi>,
    wait_started: bool,
    start_timeout: Duration,
}

impl TestAppBuilder {
    /// An extra argument after `run --db <tmp>/db`. `{db}` and `{dir}` are
    /// replaced by the database path and the temp dir.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// An environment variable (overrides the defaults; `{db}`/`{dir}` replaced).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Sets `TUTOR_LOG_FORMAT` (e.g. "json").
    pub fn log_format(self, format: &str) -> Self {
        self.env("TUTOR_LOG_FORMAT", format)
    }

    /// Uses this fake instead of starting a new one.
    pub fn fake(mut self, fake: FakeApi) -> Self {
        self.fake = Some(fake);
        self
    }

    /// Don't wait for the first `getUpdates` (for start-up failure tests).
    pub fn no_wait(mut self) -> Self {
        self.wait_started = false;
        self
    }

    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    /// Runs `program base_args.. extra_args..` instead of `tutor run --db ..`
    /// (the harness self-tests use this).
    pub fn program(mut self, program: impl Into<PathBuf>, base_args: Vec<String>) -> Self {
        self.program = Some((program.into(), base_args));
        self
    }

    /// Starts the fake (unless given) and the binary; waits until it polls.
    pub async fn spawn(self) -> TestApp {
        let dir = tempfile::Builder::new()
            .prefix("tutor-e2e-")
            .tempdir()
            .expect("temp dir");
        let db = dir.path().join("db");
        let fake = self.fake.unwrap_or_else(FakeApi::start);
        let (program, mut args) = self.program.unwrap_or_else(|| {
            (
                PathBuf::from(TUTOR_BIN),
                vec![
                    "run".to_owned(),
                    "--db".to_owned(),
                    db.to_string_lossy().into_owned(),
                ],
            )
        });
        args.extend(self.args);
        let subst = |s: &str| {
            s.replace("{db}", &db.to_string_lossy())
                .replace("{dir}", &dir.path().to_string_lossy())
        };
        let args = args.iter().map(|a| subst(a)).collect();
        let mut envs = vec![
            ("TELOXIDE_TOKEN".to_owned(), fake.token()),
            ("TELOXIDE_API_URL".to_owned(), fake.url()),
            ("RUST_LOG".to_owned(), "debug".to_owned()),
        ];
        envs.extend(self.envs.iter().map(|(k, v)| (k.clone(), subst(v))));
        let launch = Launch {
            program,
            args,
            envs,
            wait_started: self.wait_started,
            start_timeout: self.start_timeout,
        };
        let mut app = TestApp {
            fake,
            db,
            dir,
            launch,
            child: None,
            readers: Vec::new(),
            stdout: Buf::default(),
            stderr: Buf::default(),
        };
        app.launch().await;
        app
    }
}

/// A running bot process; killed on drop.
pub struct TestApp {
    pub fake: FakeApi,
    /// `<dir>/db`, the path given to `--db`.
    pub db: PathBuf,
    pub dir: TempDir,
    launch: Launch,
    child: Option<Child>,
    readers: Vec<JoinHandle<()>>,
    stdout: Buf,
    stderr: Buf,
}

impl TestApp {
    /// `tutor run --db <tmp>/db` against a new fake, waiting until it polls.
    pub async fn spawn() -> TestApp {
        TestApp::builder().spawn().await
    }

    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            program: None,
            args: Vec::new(),
            envs: Vec::new(),
            fake: None,
            wait_started: true,
            start_timeout: START_TIMEOUT,
        }
    }

    async fn launch(&mut self) {
        let mark = self.fake.mark();
        let mut cmd = Command::new(&self.launch.program);
        cmd.args(&self.launch.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        isolate_env(&mut cmd, self.dir.path());
        for (k, v) in &self.launch.envs {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", self.launch.program.display()));
        let echo = std::env::var_os("E2E_ECHO").is_some();
        let out = child.stdout.take().expect("stdout");
        let err = child.stderr.take().expect("stderr");
        self.readers.push(pump(out, self.stdout.clone(), echo));
        self.readers.push(pump(err, self.stderr.clone(), echo));
        self.child = Some(child);
        if self.launch.wait_started {
            self.wait_started(mark).await;
        }
    }

    async fn wait_started(&mut self, mark: u64) {
        let deadline = Instant::now() + self.launch.start_timeout;
        loop {
            if self
                .fake
                .find(|r| r.seq >= mark && r.method == "getupdates")
                .is_some()
            {
                return;
            }
            if let Some(status) = self.try_wait() {
                self.join_readers(Duration::from_secs(2)).await;
                panic!(
                    "the bot exited ({status}) before its first getUpdates\n{}\n{}",
                    self.output(),
                    self.fake.dump(20)
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "the bot did not call getUpdates within {:?}\n{}\n{}",
                    self.launch.start_timeout,
                    self.output(),
                    self.fake.dump(20)
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn child(&self) -> &Child {
        self.child.as_ref().expect("child spawned")
    }

    /// Sets (or, with `None`, removes) an environment variable for the next
    /// [`Self::restart`].
    pub fn set_env(&mut self, key: &str, value: Option<&str>) {
        self.launch.envs.retain(|(k, _)| k != key);
        if let Some(v) = value {
            self.launch.envs.push((key.to_owned(), v.to_owned()));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child().id()
    }

    /// The exit status if the process has exited (reaps it).
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.as_mut()?.try_wait().expect("try_wait")
    }

    pub fn is_running(&mut self) -> bool {
        self.child.is_some() && self.try_wait().is_none()
    }

    fn signal(&mut self, sig: libc::c_int) {
        if self.try_wait().is_some() {
            return;
        }
        let pid = self.pid() as libc::pid_t;
        // SAFETY: plain kill(2) on our own, not yet reaped, child.
        let rc = unsafe { libc::kill(pid, sig) };
        assert_eq!(rc, 0, "kill({pid}, {sig}) failed");
    }

    /// Sends SIGTERM (graceful shutdown).
    pub fn sigterm(&mut self) {
        self.signal(libc::SIGTERM);
    }

    /// Sends SIGINT (Ctrl-C).
    pub fn sigint(&mut self) {
        self.signal(libc::SIGINT);
    }

    /// Sends SIGKILL (a crash: nothing runs after it).
    pub fn sigkill(&mut self) {
        self.signal(libc::SIGKILL);
    }

    /// Waits for the process to exit; panics with its output on timeout.
    pub async fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_wait() {
                self.join_readers(Duration::from_secs(2)).await;
                return status;
            }
            if Instant::now() > deadline {
                panic!("the bot did not exit within {timeout:?}\n{}", self.output());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn join_readers(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.readers.iter().any(|r| !r.is_finished()) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.readers.retain(|r| !r.is_finished());
    }

    /// Respawns the binary on the same DB and fake (SIGKILLs it first if it is
    /// still running) and waits until it polls again.
    pub async fn restart(&mut self) {
        if self.is_running() {
            self.sigkill();
            self.wait_exit(Duration::from_secs(10)).await;
        }
        for buf in [&self.stdout, &self.stderr] {
            lock(buf).extend_from_slice(b"\n===== restart =====\n");
        }
        self.launch().await;
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stdout)).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stderr)).into_owned()
    }

    /// Captured stdout and stderr so far (all runs).
    pub fn output(&self) -> String {
        format!(
            "----- stdout -----\n{}\n----- stderr -----\n{}",
            self.stdout(),
            self.stderr()
        )
    }

    /// Panics if the token (or its secret half) appears in the output.
    pub fn assert_no_token_leak(&self) {
        let out = self.output();
        let secret = TEST_TOKEN.split_once(':').map_or(TEST_TOKEN, |(_, s)| s);
        assert!(
            !out.contains(TEST_TOKEN) && !out.contains(secret),
            "the bot token leaked into the output:\n{out}"
        );
    }

    /// Runs a one-shot `tutor` command with this app's environment (same
    /// HOME); `{db}`/`{dir}` in args are replaced.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                a.replace("{db}", &self.db.to_string_lossy())
                    .replace("{dir}", &self.dir.path().to_string_lossy())
            })
            .collect();
        run_command(Path::new(TUTOR_BIN), &args, stdin, self.dir.path(), &[])
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            if child.try_wait().ok().flatten().is_none() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

fn lock(buf: &Buf) -> std::sync::MutexGuard<'_, Vec<u8>> {
    buf.lock().unwrap_or_else(|e| e.into_inner())
}

fn pump(mut from: impl Read + Send + 'static, to: Buf, echo: bool) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        loop {
            match from.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    lock(&to).extend_from_slice(&chunk[..n]);
                    if echo {
                        eprint!("{}", String::from_utf8_lossy(&chunk[..n]));
                    }
                }
            }
        }
    })
}

/// Removes inherited bot/proxy settings and points HOME and XDG dirs into `dir`.
fn isolate_env(cmd: &mut Command, dir: &Path) {
    let inherited: Vec<OsString> = std::env::vars_os()
        .map(|(k, _)| k)
        .filter(|k| {
            let k = k.to_string_lossy().to_ascii_uppercase();
            k.starts_with("TELOXIDE_")
                || k.starts_with("TUTOR_")
                || k == "RUST_LOG"
                || k.ends_with("_PROXY")
        })
        .collect();
    for k in inherited {
        cmd.env_remove(k);
    }
    let home = dir.join("home");
    let _ = std::fs::create_dir_all(&home);
    cmd.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("RUST_BACKTRACE", "1");
}

/// How long a one-shot command may run before it is killed.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `tutor <args>` once with `stdin`, in an isolated HOME; returns its
/// output (killed after [`RUN_TIMEOUT`]).
pub fn run_tutor(args: &[&str], stdin: &str) -> Output {
    run_tutor_with(args, stdin, &[])
}

/// [`run_tutor`] with extra environment variables.
pub fn run_tutor_with(args: &[&str], stdin: &str, envs: &[(&str, &str)]) -> Output {
    let home = tempfile::Builder::new()
        .prefix("tutor-e2e-run-")
        .tempdir()
        .expect("temp dir");
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    run_command(Path::new(TUTOR_BIN), &args, stdin, home.path(), envs)
}

/// Runs any program like [`run_tutor`] does.
pub fn run_command(
    program: &Path,
    args: &[String],
    stdin: &str,
    dir: &Path,
    envs: &[(&str, &str)],
) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    isolate_env(&mut cmd, dir);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", program.display()));
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_owned();
    let writer = std::thread::spawn(move || {
        // A program that exits without reading stdin closes the pipe: fine.
        let _ = input.write_all(stdin.as_bytes());
    });
    let pid = child.id() as libc::pid_t;
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if done_rx.recv_timeout(RUN_TIMEOUT).is_err() {
            // SAFETY: kill(2) on our child's pid. Only `wait_with_output` reaps
            // it, so the pid can only be stale if the command ends at the very
            // moment the timeout fires.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    let output = child.wait_with_output().expect("wait for child");
    let _ = done_tx.send(());
    let _ = watchdog.join();
    let _ = writer.join();
    output
}
