//! Invocation isolation's `/tmp`: a folder of each instance's own, so nothing a guest writes reaches the next
//! event. A spent folder the guest left empty serves the next instance (its times reset, so not even a timestamp
//! the guest set reaches it); one with anything in it is removed. Removals, and the folders made in advance, are
//! the work of a thread of their own (the janitor), so neither lies between two events.

use std::fs::FileTimes;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Mutex, OnceLock, PoisonError};

/// How many folders are kept made in advance.
const SPARES: usize = 2;

/// Where instances keep their folders (a folder of the guest's `/tmp` root, which no instance sees in
/// invocation isolation).
pub fn instances_dir(guest_tmp: &Path) -> PathBuf {
    guest_tmp.join(".instances")
}

/// One instance's folder; removed (by the janitor) when dropped with its store.
#[derive(Debug)]
pub struct InstanceTmp(PathBuf);

impl InstanceTmp {
    /// A folder for a new instance: one made in advance when there is one, else made now.
    pub fn take(guest_tmp: &Path) -> std::io::Result<Self> {
        let home = instances_dir(guest_tmp);
        let spare = {
            let mut spare = spares().lock().unwrap_or_else(PoisonError::into_inner);
            let mine = spare
                .iter()
                .rposition(|path| path.parent() == Some(home.as_path()));
            mine.map(|at| spare.swap_remove(at))
        };
        let path = match spare {
            Some(path) => path,
            None => {
                let path = fresh(guest_tmp);
                std::fs::create_dir_all(&path)?;
                path
            }
        };
        if spares().lock().unwrap_or_else(PoisonError::into_inner).len() < SPARES {
            send(Job::Make(guest_tmp.to_path_buf()));
        }
        Ok(Self(path))
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for InstanceTmp {
    fn drop(&mut self) {
        let path = std::mem::take(&mut self.0);
        if reusable(&path) {
            let mut spare = spares().lock().unwrap_or_else(PoisonError::into_inner);
            if spare.len() < SPARES {
                spare.push(path);
                return;
            }
        }
        send(Job::Remove(path));
    }
}

/// Whether a spent folder can serve another instance: it is empty (a guest cannot change a folder's owner or
/// permissions through WASI), and its access and modification times, which a guest may set, are reset to now.
fn reusable(path: &Path) -> bool {
    let empty = std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none());
    let now = std::time::SystemTime::now();
    empty
        && std::fs::File::open(path)
            .and_then(|folder| folder.set_times(FileTimes::new().set_accessed(now).set_modified(now)))
            .is_ok()
}

/// What the janitor does.
enum Job {
    /// Make one more folder in advance under this guest `/tmp` root, unless enough are ready.
    Make(PathBuf),
    /// Remove a spent folder.
    Remove(PathBuf),
}

/// A name no other folder of this process has.
fn fresh(guest_tmp: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    instances_dir(guest_tmp).join(format!("{}-{n}", std::process::id()))
}

fn spares() -> &'static Mutex<Vec<PathBuf>> {
    static SPARE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    &SPARE
}

/// Hands `job` to the janitor; does it here if the janitor cannot be started.
fn send(job: Job) {
    static JANITOR: OnceLock<Option<Sender<Job>>> = OnceLock::new();
    let janitor = JANITOR.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("tmp-janitor".into())
            .spawn(move || receiver.into_iter().for_each(run))
            .ok()
            .map(|_| sender)
    });
    match janitor {
        Some(sender) => {
            if let Err(unsent) = sender.send(job) {
                run(unsent.0);
            }
        }
        None => run(job),
    }
}

fn run(job: Job) {
    match job {
        Job::Remove(path) => {
            // A failure leaves a folder the next INIT removes.
            let _ = std::fs::remove_dir_all(path);
        }
        Job::Make(guest_tmp) => {
            if spares().lock().unwrap_or_else(PoisonError::into_inner).len() >= SPARES {
                return;
            }
            let path = fresh(&guest_tmp);
            if std::fs::create_dir_all(&path).is_ok() {
                spares().lock().unwrap_or_else(PoisonError::into_inner).push(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_instance_gets_an_empty_folder_of_its_own_and_it_goes_away() -> std::io::Result<()> {
        let root = std::env::temp_dir().join(format!("lambda-wasm-instance-tmp-{}", std::process::id()));
        let first = InstanceTmp::take(&root)?;
        let second = InstanceTmp::take(&root)?;
        assert_ne!(first.path(), second.path());
        assert!(first.path().is_dir() && second.path().is_dir());
        std::fs::write(first.path().join("state"), "kept")?;
        let gone = first.path().to_path_buf();
        drop(first);
        // The janitor removes it: wait (bounded) for it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while gone.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(!gone.exists(), "the spent folder was not removed");
        let third = InstanceTmp::take(&root)?;
        assert!(
            !third.path().join("state").exists(),
            "a new instance starts empty"
        );
        drop((second, third));
        let _ = std::fs::remove_dir_all(root);
        Ok(())
    }

    #[test]
    fn a_folder_left_empty_serves_the_next_instance_with_its_times_reset() -> std::io::Result<()> {
        let root = std::env::temp_dir().join(format!("lambda-wasm-instance-reuse-{}", std::process::id()));
        let first = InstanceTmp::take(&root)?;
        let path = first.path().to_path_buf();
        // What a guest can do and leave no entry: a file made and deleted, the folder's times set.
        std::fs::write(path.join("scratch"), "gone")?;
        std::fs::remove_file(path.join("scratch"))?;
        let long_ago = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        std::fs::File::open(&path)?
            .set_times(FileTimes::new().set_accessed(long_ago).set_modified(long_ago))?;
        drop(first);
        let reused = std::iter::repeat_with(|| InstanceTmp::take(&root))
            .take(SPARES + 1)
            .collect::<std::io::Result<Vec<_>>>()?;
        let again = reused.iter().find(|tmp| tmp.path() == path);
        assert!(again.is_some(), "the empty folder is handed out again");
        let metadata = std::fs::metadata(&path)?;
        assert!(metadata.modified()? > long_ago && metadata.accessed()? > long_ago);
        assert_eq!(std::fs::read_dir(&path)?.count(), 0);
        drop(reused);
        let _ = std::fs::remove_dir_all(root);
        Ok(())
    }
}
