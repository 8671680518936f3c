//! What `package` checks in the two files it zips, read from their ELF headers: the CPU a `bootstrap` is for
//! and the newest glibc it needs, and the target and engine record of a `.cwasm`.

use anyhow::{Context as _, bail};
use lambda_wasm_host::engine::Target;
use object::read::elf::ElfFile64;
use object::{Architecture, Endianness, Object as _, ObjectSection as _};

/// The newest glibc `provided.al2023` has.
pub const LAMBDA_GLIBC: (u32, u32) = (2, 34);

/// The section wasmtime records its version and engine settings in.
const ENGINE_SECTION: &str = ".wasmtime.engine";

/// What a native executable needs to run.
#[derive(Debug)]
pub struct Executable {
    /// The CPU it is for, when Lambda has it.
    pub target: Option<Target>,
    /// The machine as the ELF names it, for messages.
    pub machine: String,
    /// Whether it has a program interpreter (is dynamically linked).
    pub dynamic: bool,
    /// The newest `GLIBC_x.y` symbol version it needs, if any.
    pub newest_glibc: Option<(u32, u32)>,
}

impl Executable {
    /// Reads `bytes` as a 64-bit ELF executable.
    pub fn parse(bytes: &[u8]) -> anyhow::Result<Self> {
        let file = ElfFile64::<Endianness>::parse(bytes).context("not a 64-bit ELF executable")?;
        let endian = file.endian();
        let dynamic = file
            .elf_program_headers()
            .iter()
            .any(|header| header.p_type.get(endian) == object::elf::PT_INTERP);
        let mut newest_glibc = None;
        let table = file.elf_section_table();
        if let Some((mut needs, link)) = table.gnu_verneed(endian, bytes)? {
            let strings = table.strings(endian, bytes, link)?;
            while let Some((_, mut versions)) = needs.next()? {
                while let Some(version) = versions.next()? {
                    let name = String::from_utf8_lossy(version.name(endian, strings)?);
                    if let Some(found) = glibc_version(&name) {
                        newest_glibc = newest_glibc.max(Some(found));
                    }
                }
            }
        }
        Ok(Self {
            target: target_of(file.architecture()),
            machine: format!("{:?}", file.architecture()),
            dynamic,
            newest_glibc,
        })
    }

    /// How it links, for messages: `static`, or `dynamic, glibc 2.34`.
    pub fn linkage(&self) -> String {
        match (self.dynamic, self.newest_glibc) {
            (false, _) => "static".to_owned(),
            (true, Some((major, minor))) => format!("dynamic, needs glibc {major}.{minor}"),
            (true, None) => "dynamic".to_owned(),
        }
    }
}

/// `GLIBC_2.34` -> (2, 34).
fn glibc_version(name: &str) -> Option<(u32, u32)> {
    let (major, minor) = name.strip_prefix("GLIBC_")?.split_once('.')?;
    let minor = minor.split('.').next()?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

fn target_of(architecture: Architecture) -> Option<Target> {
    match architecture {
        Architecture::X86_64 => Some(Target::X86_64),
        Architecture::Aarch64 => Some(Target::Arm64),
        _ => None,
    }
}

/// The CPU a `.cwasm` was compiled for, and its engine record (wasmtime's version and settings).
#[derive(Debug)]
pub struct Artifact {
    /// The CPU architecture, when Lambda has it.
    pub target: Option<Target>,
    /// The machine as the ELF names it, for messages.
    pub machine: String,
    /// The engine section: a format byte, the wasmtime version, then the target, flags, tunables and features.
    pub engine: Vec<u8>,
}

impl Artifact {
    /// Reads a `.cwasm`.
    pub fn parse(bytes: &[u8]) -> anyhow::Result<Self> {
        let file = ElfFile64::<Endianness>::parse(bytes).context("not a precompiled wasmtime artifact")?;
        let Some(section) = file.section_by_name(ENGINE_SECTION) else {
            bail!("not a precompiled wasmtime artifact (no {ENGINE_SECTION} section)");
        };
        Ok(Self {
            target: target_of(file.architecture()),
            machine: format!("{:?}", file.architecture()),
            engine: section.data()?.to_vec(),
        })
    }

    /// The wasmtime version recorded (only the major version: any 48.0.x loads any 48.0.y).
    pub fn wasmtime_version(&self) -> Option<String> {
        let length = usize::from(*self.engine.get(1)?);
        let version = self.engine.get(2..2 + length)?;
        Some(String::from_utf8_lossy(version).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_versions_parse() {
        assert_eq!(glibc_version("GLIBC_2.34"), Some((2, 34)));
        assert_eq!(glibc_version("GLIBC_2.2.5"), Some((2, 2)));
        assert_eq!(glibc_version("GCC_3.0"), None);
        assert!(Some((2, 36)) > Some(LAMBDA_GLIBC) && Some((2, 4)) < Some(LAMBDA_GLIBC));
    }

    #[test]
    fn this_program_reads_as_an_executable_of_this_machine() -> anyhow::Result<()> {
        let bytes = std::fs::read(std::env::current_exe()?)?;
        let executable = Executable::parse(&bytes)?;
        assert_eq!(executable.target, Target::host());
        Ok(())
    }
}
