//! The replay store on Redis (feature `redis`): one atomic `SET key 1 NX PX
//! ttl` per proof, so that every instance of a service sharing the Redis
//! refuses a proof any of them has seen. Every claim is bounded by a
//! timeout; a Redis that is down, slow or answers with an error refuses the
//! proof (fail closed).

use core::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::error::StoreError;
use super::replay::{ClaimFuture, Claimed, ReplayStore};

/// How long a claim waits for Redis by default.
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// The prefix of every key by default.
const DEFAULT_PREFIX: &str = "claimguard:dpop:";

/// A [`ReplayStore`] on Redis, shared by every instance of a service: a
/// proof's key is set with `SET <prefix><key> 1 NX PX <ms>`, which Redis
/// applies atomically, so of two instances claiming one proof exactly one
/// succeeds; the key expires when the proof's window closes (by Redis's
/// clock, in milliseconds from the claim).
///
/// A claim that Redis does not answer within the timeout
/// ([`DEFAULT_REDIS_TIMEOUT`]) is [`StoreError::Timeout`]; one it cannot
/// take (not connected, an error reply) is [`StoreError::Unavailable`].
/// Either refuses the request with `503`. The connection is re-established
/// in the background (redis-rs's `ConnectionManager`).
#[derive(Clone)]
pub struct RedisReplayStore {
    connection: ConnectionManager,
    prefix: Box<str>,
    timeout: Duration,
}

impl fmt::Debug for RedisReplayStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: not shown.
        f.debug_struct("RedisReplayStore")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisReplayStore {
    /// Connects to the Redis at `url` (`redis://host:port/db`), waiting at
    /// most `timeout` for the connection, which later claims also wait at
    /// most. Needs a tokio runtime.
    pub async fn connect(url: &str, timeout: Duration) -> Result<Self, StoreError> {
        let client =
            redis::Client::open(url).map_err(|_| StoreError::Unavailable("invalid Redis URL"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(timeout);
        let connect = ConnectionManager::new_with_config(client, config);
        let connection = match tokio::time::timeout(timeout, connect).await {
            Ok(Ok(connection)) => connection,
            Ok(Err(_)) => return Err(StoreError::Unavailable("cannot connect to Redis")),
            Err(_) => return Err(StoreError::Timeout),
        };
        Ok(Self {
            connection,
            prefix: DEFAULT_PREFIX.into(),
            timeout,
        })
    }

    /// Prefixes every key with `prefix` instead of `claimguard:dpop:`
    /// (services sharing one Redis keep their proofs apart).
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The most a claim waits for Redis.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    async fn claim_now(&self, key: &str, until: u64, now: u64) -> Result<Claimed, StoreError> {
        let Some(seconds) = until.checked_sub(now).filter(|s| *s > 0) else {
            return Ok(Claimed::Fresh);
        };
        let mut name = String::with_capacity(self.prefix.len() + key.len());
        name.push_str(&self.prefix);
        name.push_str(key);
        let mut command = redis::cmd("SET");
        command
            .arg(name)
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(seconds.saturating_mul(1000));
        let mut connection = self.connection.clone();
        let reply = command.query_async::<Option<String>>(&mut connection);
        match tokio::time::timeout(self.timeout, reply).await {
            Ok(Ok(Some(_))) => Ok(Claimed::Fresh),
            Ok(Ok(None)) => Ok(Claimed::Replayed),
            Ok(Err(error)) if error.is_timeout() => Err(StoreError::Timeout),
            Ok(Err(_)) => Err(StoreError::Unavailable("Redis refused the claim")),
            Err(_) => Err(StoreError::Timeout),
        }
    }
}

impl ReplayStore for RedisReplayStore {
    fn claim<'a>(&'a self, key: &'a str, until: u64, now: u64) -> ClaimFuture<'a> {
        Box::pin(self.claim_now(key, until, now))
    }
}
