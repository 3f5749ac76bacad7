//! A shard's result file: a JSON header line that says what it holds, each replication's raw
//! statistics as MessagePack, and a SHA-256 trailer; written to a temporary file and renamed
//! into place, so that a file under its final name is always whole.
//!
//! ```text
//! {"schema":"cxsim.shard/1","cxsim_version":…,"identity":…,"units":[{"run":0,"first":0,"count":125}],…}\n
//! <RepOutput><RepOutput>…            MessagePack, one value per replication, units in order
//! <64 hex digits>\n                  SHA-256 of everything before it
//! ```

use super::{Shard, ShardError, Unit};
use crate::stats::RepOutput;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Schema of a shard file's header.
pub const SHARD_SCHEMA: &str = "cxsim.shard/1";
/// The trailer: 64 hex digits and a newline.
const TRAILER: usize = 65;
/// A header line longer than this is not a shard's.
const MAX_HEADER: u64 = 1 << 20;

/// What a shard file holds, from its first line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardHeader {
    pub schema: String,
    pub cxsim_version: String,
    /// The study's identity ([`super::identity`]).
    pub identity: String,
    pub scenario: String,
    pub seed: u64,
    /// The shard's index in the plan that wrote it.
    pub shard: u32,
    /// The blocks of replications it holds, in the order stored.
    pub units: Vec<Unit>,
}

/// Writes `path` through a temporary file beside it, synced and renamed into place: a reader
/// sees the old file or the whole new one, never a part. The temporary file is removed if
/// `fill` fails.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<(), ShardError> {
    let tmp = temporary_path(path);
    let result = (|| {
        let mut w = BufWriter::with_capacity(1 << 16, File::create(&tmp)?);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        ShardError::io(path, e)
    })
}

/// Writes `text` to `path` atomically ([`write_atomically`]).
pub fn write_text(path: &Path, text: &str) -> Result<(), ShardError> {
    write_atomically(path, |w| w.write_all(text.as_bytes()))
}

/// A hidden name beside `path`, unique to this writer: the process id alone is not (the pods
/// of a Kubernetes Job all run as process 1 on a shared volume).
fn temporary_path(path: &Path) -> PathBuf {
    static WRITERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let host = std::env::var("HOSTNAME").unwrap_or_default();
    let n = WRITERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{host}.{}.{nanos}.{n}.tmp", std::process::id()))
}

/// Streams a shard's outputs to a temporary file; [`ShardWriter::finish`] adds the trailer
/// and renames it into place. Dropped unfinished, it removes the temporary file.
pub struct ShardWriter {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<HashingWriter<BufWriter<File>>>,
}

/// A writer that hashes what goes through it.
struct HashingWriter<W: Write> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl ShardWriter {
    /// Starts `path` with `header`.
    pub fn create(path: &Path, header: &ShardHeader) -> Result<Self, ShardError> {
        let tmp = temporary_path(path);
        let file = File::create(&tmp).map_err(|e| ShardError::io(&tmp, e))?;
        let mut w = Self {
            path: path.to_owned(),
            tmp,
            out: Some(HashingWriter {
                inner: BufWriter::with_capacity(1 << 16, file),
                hash: Sha256::new(),
            }),
        };
        let line = serde_json::to_string(header).map_err(|e| ShardError::invalid(path, e.to_string()))? + "\n";
        w.write(|out| out.write_all(line.as_bytes()))?;
        Ok(w)
    }

    fn write(
        &mut self,
        f: impl FnOnce(&mut HashingWriter<BufWriter<File>>) -> io::Result<()>,
    ) -> Result<(), ShardError> {
        match self.out.as_mut() {
            Some(out) => f(out).map_err(|e| ShardError::io(&self.path, e)),
            None => Err(ShardError::invalid(&self.path, "written after it was finished")),
        }
    }

    /// Appends one replication's output.
    pub fn push(&mut self, out: &RepOutput) -> Result<(), ShardError> {
        self.write(|w| rmp_serde::encode::write(w, out).map_err(io::Error::other))
    }

    /// Writes the trailer, syncs, and renames the file into place.
    pub fn finish(mut self) -> Result<PathBuf, ShardError> {
        let out = self.out.take().expect("a shard writer is finished once");
        let digest = format!("{:x}\n", out.hash.finalize());
        let mut inner = out.inner;
        let done = (|| {
            inner.write_all(digest.as_bytes())?;
            let file = inner.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            std::fs::rename(&self.tmp, &self.path)
        })();
        done.map_err(|e| {
            let _ = std::fs::remove_file(&self.tmp);
            ShardError::io(&self.path, e)
        })?;
        Ok(self.path.clone())
    }
}

impl Drop for ShardWriter {
    fn drop(&mut self) {
        if self.out.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The header a shard of `manifest` writes.
pub fn header_of(manifest: &super::Manifest, shard: &Shard) -> ShardHeader {
    ShardHeader {
        schema: SHARD_SCHEMA.to_owned(),
        cxsim_version: manifest.cxsim_version.clone(),
        identity: manifest.identity.clone(),
        scenario: manifest.scenario.clone(),
        seed: manifest.seed,
        shard: shard.index,
        units: shard.units.clone(),
    }
}

/// Writes a whole shard file from outputs in memory (the outputs of `header.units`, in order).
pub fn write_shard(path: &Path, header: &ShardHeader, outputs: &[RepOutput]) -> Result<PathBuf, ShardError> {
    let mut w = ShardWriter::create(path, header)?;
    for out in outputs {
        w.push(out)?;
    }
    w.finish()
}

/// Reads a shard file's header line, and checks its schema and version.
pub fn read_header(path: &Path) -> Result<ShardHeader, ShardError> {
    let file = File::open(path).map_err(|e| ShardError::io(path, e))?;
    let mut line = String::new();
    BufReader::new(file)
        .take(MAX_HEADER)
        .read_line(&mut line)
        .map_err(|e| ShardError::invalid(path, format!("not a cxsim shard file ({e})")))?;
    let header: ShardHeader = serde_json::from_str(line.trim_end()).map_err(|e| {
        ShardError::invalid(
            path,
            format!("not a cxsim shard file: its first line is not a shard header ({e})"),
        )
    })?;
    if header.schema != SHARD_SCHEMA {
        return Err(ShardError::invalid(
            path,
            format!("schema \"{}\" is not \"{SHARD_SCHEMA}\"", header.schema),
        ));
    }
    super::same_version(path, "written", &header.cxsim_version)?;
    Ok(header)
}

/// Checks a shard file's trailer against its contents: a file cut short or changed fails.
/// Reads the file in pieces (its memory does not grow with the file).
pub fn verify(path: &Path) -> Result<(), ShardError> {
    let damaged = || {
        ShardError::invalid(
            path,
            "truncated or corrupted: its checksum does not match its contents (run this shard again)",
        )
    };
    let mut file = File::open(path).map_err(|e| ShardError::io(path, e))?;
    let len = file.metadata().map_err(|e| ShardError::io(path, e))?.len();
    if len < TRAILER as u64 {
        return Err(damaged());
    }
    let mut hash = Sha256::new();
    let mut body = (&mut file).take(len - TRAILER as u64);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = body.read(&mut buf).map_err(|e| ShardError::io(path, e))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    let mut trailer = Vec::with_capacity(TRAILER);
    file.read_to_end(&mut trailer).map_err(|e| ShardError::io(path, e))?;
    if trailer != format!("{:x}\n", hash.finalize()).as_bytes() {
        return Err(damaged());
    }
    Ok(())
}

/// Reads a shard file's outputs in order, unit by unit, one at a time (memory stays one
/// output, whatever the shard's size).
pub struct ShardReader {
    path: PathBuf,
    reader: BufReader<File>,
}

impl ShardReader {
    /// Opens `path` after its header line.
    pub fn open(path: &Path) -> Result<Self, ShardError> {
        let file = File::open(path).map_err(|e| ShardError::io(path, e))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let mut line = Vec::new();
        reader
            .read_until(b'\n', &mut line)
            .map_err(|e| ShardError::io(path, e))?;
        Ok(Self {
            path: path.to_owned(),
            reader,
        })
    }

    /// The next output. (A deserializer per output: one kept over the whole file would keep
    /// a buffer the size of everything read.)
    pub fn next_output(&mut self) -> Result<RepOutput, ShardError> {
        rmp_serde::from_read(&mut self.reader)
            .map_err(|e| ShardError::invalid(&self.path, format!("cannot read a replication's results: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> ShardHeader {
        ShardHeader {
            schema: SHARD_SCHEMA.to_owned(),
            cxsim_version: env!("CARGO_PKG_VERSION").to_owned(),
            identity: "0".repeat(64),
            scenario: "t".to_owned(),
            seed: 1,
            shard: 0,
            units: vec![Unit {
                run: 0,
                first: 0,
                count: 1,
            }],
        }
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn an_unfinished_shard_writer_leaves_nothing_behind_and_a_finished_one_only_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shard-000-000000000-000000001.cxshard");
        let w = ShardWriter::create(&path, &header()).unwrap();
        assert_eq!(entries(dir.path()).len(), 1, "the temporary file while it is written");
        assert!(entries(dir.path())[0].starts_with('.'), "hidden from the merge");
        drop(w);
        assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
        // Finished: the file under its name, and nothing else; its trailer verifies.
        let w = ShardWriter::create(&path, &header()).unwrap();
        w.finish().unwrap();
        assert_eq!(
            entries(dir.path()),
            vec!["shard-000-000000000-000000001.cxshard".to_owned()]
        );
        verify(&path).unwrap();
        assert_eq!(read_header(&path).unwrap(), header());
    }

    #[test]
    fn verify_refuses_a_file_shorter_than_its_trailer_and_one_with_a_changed_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.cxshard");
        std::fs::write(&path, b"short\n").unwrap();
        assert!(verify(&path).is_err());
        std::fs::write(&path, vec![b'0'; TRAILER]).unwrap(); // exactly a trailer's length
        assert!(verify(&path).is_err());
        ShardWriter::create(&path, &header()).unwrap().finish().unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[20] ^= 1; // in the header: the checksum covers it too
        std::fs::write(&path, &bytes).unwrap();
        assert!(verify(&path).is_err());
    }
}
