//! A throwaway PostgreSQL server for studybot's tests and benchmarks: `initdb` into a
//! temporary directory and `postgres` on 127.0.0.1 and a free port, one per process, gone
//! when the process ends (even killed: the server and its directory are removed by a shell
//! that waits for this process's pipe to close). Real PostgreSQL, never a mock.
//!
//! The binaries come from `STUDYBOT_PG_BIN` if set, else the newest
//! `/usr/lib/postgresql/*/bin` (Debian's `postgresql` package keeps them there, off PATH),
//! else PATH. `initdb` refuses to run as root: as root the cluster runs as the `postgres`
//! user (or `nobody`) through `runuser`. Anything that fails panics with what to do: a test
//! that needs PostgreSQL fails, never skips.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The running server of this process.
pub struct Server {
    port: u16,
    bin: PathBuf,
    /// The user the server runs as when this process is root.
    user: Option<String>,
    _dir: tempfile::TempDir,
    /// The wrapper shell: it stops the server when this pipe closes, i.e. when this
    /// process exits for whatever reason.
    _child: Child,
    _stdin: ChildStdin,
}

static SERVER: OnceLock<Server> = OnceLock::new();
static NEXT: AtomicU32 = AtomicU32::new(0);

/// The server of this process, started on first use.
pub fn server() -> &'static Server {
    SERVER.get_or_init(|| Server::start().unwrap_or_else(|e| panic!("cannot start a throwaway PostgreSQL: {e}")))
}

/// A new, empty database on this process's server: its `postgres://` URL.
pub fn database() -> String {
    server().create_database()
}

impl Server {
    fn start() -> Result<Server, String> {
        let bin = bin_dir()?;
        let user = running_as_root().then(|| {
            if Command::new("id").arg("postgres").output().is_ok_and(|o| o.status.success()) {
                "postgres".to_string()
            } else {
                "nobody".to_string()
            }
        });
        let dir = tempfile::Builder::new().prefix("studybot-pg-").tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let data = dir.path().join("data");
        if let Some(user) = &user {
            run(Command::new("chown").arg(user).arg(dir.path()), "chown")?;
        }
        run(
            as_user(&user, &bin.join("initdb")).arg("-D").arg(&data).args([
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "--encoding=UTF8",
                "--locale=C",
            ]),
            "initdb",
        )?;
        let port = free_port()?;
        // The shell starts the server, then waits for its stdin (our pipe) to close.
        let script = r#"
            "$1" -D "$2" -p "$3" -h 127.0.0.1 -k "$2" \
                -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
                -c max_connections=400 -c shared_buffers=64MB >"$2/server.log" 2>&1 &
            pid=$!
            read _ignored
            kill -INT "$pid" 2>/dev/null
            wait "$pid"
            rm -rf "$4"
        "#;
        let mut child = as_user(&user, Path::new("sh"))
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(bin.join("postgres"))
            .arg(&data)
            .arg(port.to_string())
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run postgres: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin pipe")?;
        let server = Server { port, bin, user, _dir: dir, _child: child, _stdin: stdin };
        server.wait_ready(&data)?;
        Ok(server)
    }

    fn wait_ready(&self, data: &Path) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ok = Command::new(self.bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", "-q"])
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return Ok(());
            }
            if Instant::now() > deadline {
                let mut log = String::new();
                let _ = std::fs::File::open(data.join("server.log")).and_then(|mut f| f.read_to_string(&mut log));
                return Err(format!("the server did not become ready in 60 s; its log:\n{log}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a new empty database and returns its URL.
    pub fn create_database(&self) -> String {
        let name = format!("t{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", "-d", "postgres", "-qAt"])
            .args(["-v", "ON_ERROR_STOP=1", "-c", &format!("CREATE DATABASE {name}")])
            .output()
            .unwrap_or_else(|e| panic!("cannot run psql: {e}"));
        assert!(out.status.success(), "CREATE DATABASE {name} failed: {}", String::from_utf8_lossy(&out.stderr));
        self.url(&name)
    }

    /// The user the server runs as (`None`: this process's user).
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }
}

/// Where `initdb`, `postgres`, `pg_isready` and `psql` are.
fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("STUDYBOT_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        if dir.join("initdb").is_file() && dir.join("postgres").is_file() {
            return Ok(dir);
        }
    }
    Err("no PostgreSQL server binaries (initdb, postgres): install Debian's `postgresql` package \
         (`.ci/run` does), or set STUDYBOT_PG_BIN to their directory"
        .into())
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program`, run as `user` when given (through runuser).
fn as_user(user: &Option<String>, program: &Path) -> Command {
    match user {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("cannot run {what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_server_starts_and_makes_databases() {
        let a = super::database();
        let b = super::database();
        assert_ne!(a, b);
        assert!(a.starts_with("postgres://postgres@127.0.0.1:"));
    }
}
