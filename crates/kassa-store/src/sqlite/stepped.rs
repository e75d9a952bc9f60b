//! The stepped mode ([`super::SqliteOptions::stepped`]): no writer, reader or
//! checkpoint thread; each job runs at once on the caller's thread, in its
//! own transaction, through the same job and commit code as the writer
//! thread ([`super::run_batch`]). The deterministic simulation runs the store
//! this way, with its faults: a fenced store (the process died) and refused
//! writes (a failing disk).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

use super::WriteJob;
use crate::{Result, StoreError};

/// A stepped store's one connection, and the simulation's faults.
#[derive(Debug)]
pub(super) struct Stepped {
    conn: Mutex<Connection>,
    /// The process "died": every call fails as if the store were gone.
    fenced: AtomicBool,
    /// Writes are refused (a full disk, a lost volume) until cleared.
    refusing: AtomicBool,
}

impl Stepped {
    pub(super) fn new(conn: Connection) -> Stepped {
        Stepped { conn: Mutex::new(conn), fenced: AtomicBool::new(false), refusing: AtomicBool::new(false) }
    }

    pub(super) fn fence(&self) {
        self.fenced.store(true, Ordering::Release);
    }

    pub(super) fn refuse_writes(&self, refusing: bool) {
        self.refusing.store(refusing, Ordering::Release);
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>> {
        if self.fenced.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        Ok(self.conn.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Runs one job at once, in its own transaction, and answers it.
    pub(super) fn run(&self, job: Box<dyn WriteJob>) -> Result<()> {
        let conn = self.conn()?;
        if self.refusing.load(Ordering::Acquire) {
            return Err(StoreError::Database("the disk refuses writes (simulated)".into()));
        }
        let mut batch = vec![job];
        let committed = super::run_batch(&conn, &mut batch);
        for job in batch.drain(..) {
            job.complete(committed.clone());
        }
        Ok(())
    }

    /// Runs a read on the one connection.
    pub(super) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&*self.conn()?)
    }
}
