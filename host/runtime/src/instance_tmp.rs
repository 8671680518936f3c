//! Invocation isolation's `/tmp`: a folder of each instance's own, so nothing a guest writes reaches the next
//! event. A spent folder the guest left as it found it (empty, its times unchanged) serves the next instance; one
//! with anything in it, or whose times changed, is removed. The check only reads (no inode is written, so no
//! journal commit per invocation), through a descriptor the host keeps on the folder (no path lookups).
//! Removals, and the folders made in advance, are the work of a thread of their own (the janitor), so neither lies
//! between two events.

use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
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

/// One instance's folder; kept for the next instance, or removed (by the janitor), when dropped with its store.
#[derive(Debug)]
pub struct InstanceTmp {
    path: PathBuf,
    /// The host's own descriptor on the folder, and its times when the instance got it; `None` if either could
    /// not be had (then the folder is not reused).
    held: Option<Held>,
}

/// A folder the host holds open (read-only, `O_NOATIME`: reading it through this descriptor changes none of its
/// times) with the times it had when it was last checked.
#[derive(Debug)]
struct Held {
    folder: OwnedFd,
    times: Times,
}

impl Held {
    /// Opens the folder at `path` and reads its times.
    fn open(path: &Path) -> Option<Self> {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOATIME | OFlags::CLOEXEC;
        let folder = rustix::fs::open(path, flags, Mode::empty()).ok()?;
        let times = Times::of(&folder)?;
        Some(Self { folder, times })
    }

    /// Whether the folder is as it was when last checked: the same times, and nothing in it.
    fn unchanged(&self) -> bool {
        Times::of(&self.folder).as_ref() == Some(&self.times) && is_empty(&self.folder)
    }
}

/// A folder's access, modification and status-change times. The last is set by the kernel at every change to the
/// folder (an entry made or removed, its times set), and no guest can set it.
#[derive(Debug, PartialEq, Eq)]
struct Times([(i64, u64); 3]);

impl Times {
    fn of(folder: &OwnedFd) -> Option<Self> {
        // The fields' types differ between architectures (and libc backends): converted, never truncated.
        fn time(seconds: impl TryInto<i64>, nanos: impl TryInto<u64>) -> Option<(i64, u64)> {
            Some((seconds.try_into().ok()?, nanos.try_into().ok()?))
        }
        let s = rustix::fs::fstat(folder).ok()?;
        Some(Self([
            time(s.st_atime, s.st_atime_nsec)?,
            time(s.st_mtime, s.st_mtime_nsec)?,
            time(s.st_ctime, s.st_ctime_nsec)?,
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
            // Held since it was last checked (or made): nothing has had it since.
            Some(Spare { path, held }) => Self {
                path,
                held: Some(held),
            },
            None => {
                let (path, held) = make(guest_tmp)?;
                Self { path, held }
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
        match self.held.take() {
            Some(held) if held.unchanged() => spares()
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(Spare { path, held }),
            _ => send(Job::Remove(path)),
        }
    }
}

/// Whether the folder holds nothing but `.` and `..`, listed from its start through the held descriptor (whose
/// `O_NOATIME` leaves the access time as it was).
fn is_empty(folder: &OwnedFd) -> bool {
    if rustix::fs::seek(folder, rustix::fs::SeekFrom::Start(0)).is_err() {
        return false;
    }
    let mut buf = [MaybeUninit::<u8>::uninit(); 512];
    let mut entries = rustix::fs::RawDir::new(folder.as_fd(), &mut buf);
    while let Some(entry) = entries.next() {
        match entry {
            Ok(entry) if matches!(entry.file_name().to_bytes(), b"." | b"..") => {}
            _ => return false,
        }
    }
    true
}

/// What the janitor does.
enum Job {
    /// Make one more folder in advance under this guest `/tmp` root, unless enough are ready.
    Make(PathBuf),
    /// Remove a spent folder.
    Remove(PathBuf),
}

/// A new, empty folder under `guest_tmp`, and the host's hold on it (`None` if it could not be opened).
fn make(guest_tmp: &Path) -> std::io::Result<(PathBuf, Option<Held>)> {
    let path = fresh(guest_tmp);
    std::fs::create_dir_all(&path)?;
    let held = Held::open(&path);
    Ok((path, held))
}

/// A name no other folder of this process has.
fn fresh(guest_tmp: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    instances_dir(guest_tmp).join(format!("{}-{n}", std::process::id()))
}

/// A folder ready for an instance, held since it was made or last checked.
struct Spare {
    path: PathBuf,
    held: Held,
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
            match make(&guest_tmp) {
                Ok((path, Some(held))) => spares()
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Spare { path, held }),
                Ok((path, None)) => {
                    let _ = std::fs::remove_dir(path);
                }
                Err(_) => {}
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
        assert!(
            later
                .iter()
                .all(|tmp| std::fs::read_dir(tmp.path()).is_ok_and(|mut entries| entries.next().is_none()))
        );
        drop(later);
        let _ = std::fs::remove_dir_all(root);
        Ok(())
    }
}
