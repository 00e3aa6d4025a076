//! Runnable examples for claimguard.
