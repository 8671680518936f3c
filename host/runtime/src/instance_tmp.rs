//! Invocation isolation's `/tmp`: a folder of each instance's own, so nothing a guest writes reaches the next
//! event. A spent folder the guest left as it found it (empty, its times unchanged) serves the next instance; one
//! with anything in it, or whose times changed, is removed. The check only reads (no inode is written, so no
//! journal commit per invocation). Removals, and the folders made in advance, are the work of a thread of their
//! own (the janitor), so neither lies between two events.

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
pub struct InstanceTmp {
    path: PathBuf,
    /// The folder's times when the instance got it; `None` if they could not be read (then it is not reused).
    found: Option<Times>,
}

/// A folder's access, modification and status-change times. The last is set by the kernel at every change to the
/// folder (an entry made or removed, its times set), and no guest can set it.
#[derive(Debug, PartialEq, Eq)]
struct Times([(i64, i64); 3]);

impl Times {
    fn of(path: &Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt as _;
        let m = std::fs::metadata(path).ok()?;
        Some(Self([
            (m.atime(), m.atime_nsec()),
            (m.mtime(), m.mtime_nsec()),
            (m.ctime(), m.ctime_nsec()),
        ]))
    }
}

impl InstanceTmp {
    /// A folder for a new instance: one made in advance, or left as found by a spent instance, when there is one;
    /// else made now.
    pub fn take(guest_tmp: &Path) -> std::io::Result<Self> {
        let home = instances_dir(guest_tmp);
        let (spare, last) = {
            let mut spares = spares().lock().unwrap_or_else(PoisonError::into_inner);
            let mine = |spare: &Spare| spare.path.parent() == Some(home.as_path());
            let spare = spares.iter().rposition(mine).map(|at| spares.swap_remove(at));
            (spare, !spares.iter().any(mine))
        };
        // The last spare taken: one more is made for the next instance.
        if last {
            send(Job::Make(guest_tmp.to_path_buf()));
        }
        Ok(match spare {
            // Its times were read when it was last checked (or made): nothing has had it since.
            Some(Spare { path, times }) => Self {
                path,
                found: Some(times),
            },
            None => {
                let path = fresh(guest_tmp);
                std::fs::create_dir_all(&path)?;
                let found = Times::of(&path);
                Self { path, found }
            }
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for InstanceTmp {
    fn drop(&mut self) {
        let path = std::mem::take(&mut self.path);
        // Kept for the next instance: folders are only made when no spare is left, so there are never more than
        // the instances alive at once, plus one.
        match (self.found.take(), Times::of(&path)) {
            (Some(found), Some(times)) if found == times && is_empty(&path) => {
                spares()
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Spare { path, times });
            }
            _ => send(Job::Remove(path)),
        }
    }
}

/// Whether the folder holds nothing, read without updating its access time (`O_NOATIME`: the folder is this
/// process's own), so the check leaves the folder exactly as it was.
fn is_empty(path: &Path) -> bool {
    use std::os::unix::fs::OpenOptionsExt as _;
    let Ok(folder) = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOATIME)
        .open(path)
    else {
        return false;
    };
    let Ok(mut entries) = rustix::fs::Dir::read_from(&folder) else {
        return false;
    };
    entries.all(|entry| entry.is_ok_and(|entry| matches!(entry.file_name().to_bytes(), b"." | b"..")))
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

/// A folder ready for an instance, with its times when it was made or last checked.
struct Spare {
    path: PathBuf,
    times: Times,
}

fn spares() -> &'static Mutex<Vec<Spare>> {
    static SPARE: Mutex<Vec<Spare>> = Mutex::new(Vec::new());
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
            if std::fs::create_dir_all(&path).is_err() {
                return;
            }
            match Times::of(&path) {
                Some(times) => spares()
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Spare { path, times }),
                None => {
                    let _ = std::fs::remove_dir(path);
                }
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
    fn a_folder_left_as_found_serves_the_next_instance_and_one_touched_does_not() -> std::io::Result<()> {
        let root = std::env::temp_dir().join(format!("lambda-wasm-instance-reuse-{}", std::process::id()));
        let takes = |n| {
            std::iter::repeat_with(|| InstanceTmp::take(&root))
                .take(n)
                .collect::<std::io::Result<Vec<_>>>()
        };
        // Left as found: handed out again.
        let first = InstanceTmp::take(&root)?;
        let untouched = first.path().to_path_buf();
        drop(first);
        let again = takes(SPARES + 1)?;
        assert!(
            again.iter().any(|tmp| tmp.path() == untouched),
            "the untouched folder is handed out again"
        );
        drop(again);
        // What a guest can do and leave no entry: a file made and deleted, the folder's times set (a value the
        // next instance could read).
        let second = InstanceTmp::take(&root)?;
        let touched = second.path().to_path_buf();
        std::fs::write(touched.join("scratch"), "gone")?;
        std::fs::remove_file(touched.join("scratch"))?;
        let chosen = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        std::fs::File::open(&touched)?.set_times(
            std::fs::FileTimes::new()
                .set_accessed(chosen)
                .set_modified(chosen),
        )?;
        drop(second);
        let later = takes(SPARES + 1)?;
        assert!(
            later.iter().all(|tmp| tmp.path() != touched),
            "a folder whose times changed is not handed out again"
        );
        assert!(later.iter().all(|tmp| is_empty(tmp.path())));
        drop(later);
        let _ = std::fs::remove_dir_all(root);
        Ok(())
    }
}
