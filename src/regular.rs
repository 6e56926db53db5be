//! Reading a file that must be a regular file, without ever blocking on anything else: a named
//! pipe left where a file was expected would block an ordinary open until a writer comes (that
//! is, forever), and `/dev/zero` would fill memory. Every file greenloop reads on behalf of a
//! user — loop files, JUnit files, secret files — goes through here.

use std::fs::{File, FileType, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The operating system refused (missing, no permission, …).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// It is a named pipe, a device, a directory or a socket.
    #[error("not a regular file (a {0}), so it was not read")]
    NotRegular(&'static str),
    /// It is larger than the cap.
    #[error("larger than {0} bytes, more than such a file ever holds")]
    TooLarge(u64),
}

/// The bytes of `path`, which must be a regular file of at most `max` bytes. It is opened
/// without blocking and checked once open, so a file swapped for a pipe in between is refused
/// too; reading stops past `max` however the file grows meanwhile.
pub fn read(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(kind(metadata.file_type())));
    }
    if metadata.len() > max {
        return Err(ReadError::TooLarge(max));
    }
    read_capped(file, max, metadata.len())
}

fn read_capped(file: File, max: u64, expected: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge(max));
    }
    Ok(bytes)
}

/// What a path that is not a regular file is, for messages.
pub fn kind(file_type: FileType) -> &'static str {
    if file_type.is_fifo() {
        "named pipe"
    } else if file_type.is_dir() {
        "directory"
    } else if file_type.is_socket() {
        "socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_cap_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.toml");
        std::fs::write(&file, "title = \"x\"\n").unwrap();
        assert_eq!(read(&file, 100).unwrap(), b"title = \"x\"\n");
        assert!(matches!(read(&file, 4), Err(ReadError::TooLarge(4))));
        let fifo = dir.path().join("pipe");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        assert!(matches!(
            read(&fifo, 100),
            Err(ReadError::NotRegular("named pipe"))
        ));
        assert!(matches!(
            read(Path::new("/dev/zero"), 100),
            Err(ReadError::NotRegular("device"))
        ));
        assert!(matches!(
            read(dir.path(), 100),
            Err(ReadError::NotRegular("directory"))
        ));
    }
}
