//! A real `redis-server` for the replay-store tests, on a free loopback
//! port, without persistence. A test that needs it fails, never skips, when
//! `redis-server` is missing (`.ci/run` installs Debian's package).

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running `redis-server`; dropping it kills the process.
pub struct Redis {
    child: Option<Child>,
    port: u16,
}

impl Redis {
    /// Starts a server on a free port of 127.0.0.1 and waits until it
    /// accepts connections.
    pub fn start() -> Self {
        // The kernel picks a free port; it is released for the server to
        // bind (another process taking it in between makes the start fail
        // loudly, not wrongly).
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free loopback port: {e}"));
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "yes"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run `redis-server` ({e}): install it (`apt-get install redis-server`; .ci/run does)")
            });
        let mut redis = Self {
            child: Some(child),
            port,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                redis.stop();
                panic!("redis-server did not accept connections within {START_TIMEOUT:?}");
            }
            if let Some(Ok(Some(status))) = redis.child.as_mut().map(Child::try_wait) {
                panic!("redis-server exited at start: {status}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    /// Its URL, `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Stops the server (kills it and waits for it to exit).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}
