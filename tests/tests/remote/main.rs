//! Remote keys against the testing kit's issuer, over real HTTP on
//! loopback, with a manual clock for everything time decides (refreshes,
//! timeouts, backoff, cooldowns, `max_stale`): no test sleeps, and every
//! wait is on a signal (a request arriving, a fetch completing).

mod hostile;
mod issuers;
mod kid;
mod lifecycle;
mod refresh;
mod setup;
mod start;

use claimguard_tests::CountingAlloc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;
