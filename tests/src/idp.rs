//! A real OpenID provider for the tests: panva's oidc-provider, run by
//! `tests/idp/server.mjs` on an ephemeral loopback port (see the README
//! there for its contract). A test that needs it fails, never skips, when
//! Node or the provider's packages are missing.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long the provider may take to start (it loads oidc-provider and
/// generates an RSA key; 1 to 3 s here).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running provider; dropping it kills the process.
pub struct Idp {
    child: Option<Child>,
    issuer: String,
    http: reqwest::Client,
}

/// The folder of the provider's script and packages.
fn folder() -> String {
    format!("{}/idp", env!("CARGO_MANIFEST_DIR"))
}

impl Idp {
    /// Starts the provider and waits for its ready line.
    pub fn start() -> Self {
        let folder = folder();
        assert!(
            std::path::Path::new(&format!("{folder}/node_modules/oidc-provider")).exists(),
            "the test identity provider's packages are missing: run `npm ci` in {folder} \
             (.ci/run does)"
        );
        let mut child = Command::new("node")
            .arg("server.mjs")
            .current_dir(&folder)
            .env("IDP_PORT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run `node` for the test identity provider ({e}): install Node.js 20 or later (.ci/run does)")
            });
        let stdout = child.stdout.take();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            if let Some(stdout) = stdout {
                let _ = BufReader::new(stdout).read_line(&mut line);
            }
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("the test identity provider did not start within {START_TIMEOUT:?}");
            }
        };
        let ready: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            let _ = child.kill();
            panic!("the test identity provider's ready line {line:?}: {e}")
        });
        let issuer = ready["issuer"].as_str().unwrap_or_default().to_owned();
        assert!(issuer.starts_with("http://127.0.0.1:"), "{line}");
        Self {
            child: Some(child),
            issuer,
            http: reqwest::Client::new(),
        }
    }

    /// The issuer, `http://127.0.0.1:<port>`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// An access token by the client-credentials grant for `client` (`svc`
    /// or `other`) and `resource`, with `scope` if given.
    pub async fn token(&self, client: &str, resource: &str, scope: Option<&str>) -> String {
        let mut form = vec![("grant_type", "client_credentials"), ("resource", resource)];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        self.grant(client, &form).await
    }

    /// An opaque access token (no resource: the provider's default format).
    pub async fn token_without_resource(&self, client: &str) -> String {
        self.grant(client, &[("grant_type", "client_credentials")])
            .await
    }

    /// The token endpoint, `<issuer>/token` (what a DPoP proof's `htu` for
    /// the token request names).
    pub fn token_endpoint(&self) -> String {
        format!("{}/token", self.issuer)
    }

    /// A DPoP-bound access token for `client` and `resource`, asked for
    /// with `proof` (a `POST` proof for [`token_endpoint`](Self::token_endpoint)),
    /// and the `token_type` it came with.
    pub async fn dpop_token(&self, client: &str, resource: &str, proof: &str) -> (String, String) {
        let form = [("grant_type", "client_credentials"), ("resource", resource)];
        let json = self.grant_json(client, &form, Some(proof)).await;
        let field = |name: &str| json[name].as_str().unwrap_or_default().to_owned();
        (field("token_type"), field("access_token"))
    }

    async fn grant(&self, client: &str, form: &[(&str, &str)]) -> String {
        let json = self.grant_json(client, form, None).await;
        json["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access token in {json}"))
            .to_owned()
    }

    async fn grant_json(
        &self,
        client: &str,
        form: &[(&str, &str)],
        proof: Option<&str>,
    ) -> serde_json::Value {
        let mut request = self
            .http
            .post(self.token_endpoint())
            .basic_auth(client, Some(format!("{client}-secret")))
            .form(form);
        if let Some(proof) = proof {
            request = request.header("dpop", proof);
        }
        let reply = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("token request: {e}"));
        let status = reply.status();
        let body = reply.text().await.unwrap_or_default();
        assert!(status.is_success(), "token request: {status} {body}");
        serde_json::from_str(&body).unwrap_or_default()
    }

    async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let mut request = self
            .http
            .request(method, format!("{}/__admin/{path}", self.issuer));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let reply = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("admin {path}: {e}"));
        let status = reply.status();
        let text = reply.text().await.unwrap_or_default();
        assert!(status.is_success(), "admin {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or_default()
    }

    /// The published kids, newest first.
    pub async fn kids(&self) -> Vec<String> {
        let keys = self.admin(reqwest::Method::GET, "keys", None).await;
        keys["kids"]
            .as_array()
            .map(|kids| {
                kids.iter()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A new key generation signs from now on; the old keys stay published.
    pub async fn rotate(&self) -> Vec<String> {
        self.admin(reqwest::Method::POST, "rotate", None).await;
        self.kids().await
    }

    /// Publishes only the newest generation's keys.
    pub async fn retire(&self) -> Vec<String> {
        self.admin(reqwest::Method::POST, "retire", None).await;
        self.kids().await
    }

    /// How `/jwks` misbehaves: `normal`, `status-500`, `html`, `slow`,
    /// `hang`, `huge` or `redirect`.
    pub async fn jwks_mode(&self, mode: &str) {
        let body = serde_json::json!({ "mode": mode });
        self.admin(reqwest::Method::POST, "jwks-mode", Some(body))
            .await;
    }

    /// `Cache-Control: max-age` on `/jwks`, or none.
    pub async fn max_age(&self, seconds: Option<u64>) {
        let body = serde_json::json!({ "seconds": seconds });
        self.admin(reqwest::Method::POST, "max-age", Some(body))
            .await;
    }

    /// Requests to `/jwks` so far.
    pub async fn jwks_requests(&self) -> u64 {
        let stats = self.admin(reqwest::Method::GET, "stats", None).await;
        stats["jwks_requests"]
            .as_u64()
            .unwrap_or_else(|| panic!("{stats}"))
    }

    /// Kills the provider (its port then refuses connections).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.kill();
    }
}
