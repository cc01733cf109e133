//! The bytes a pipe holds: a queue of the chunks writes stored, never copied on the way in.

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

/// A queue of `Bytes` chunks and their total length.
#[derive(Default)]
pub(super) struct Buffer {
    chunks: VecDeque<Bytes>,
    len: usize,
}

impl Buffer {
    /// Bytes held.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is held.
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Chunks held.
    pub(super) fn chunks(&self) -> usize {
        self.chunks.len()
    }

    /// Appends `data` as one chunk (an empty one is not stored).
    pub(super) fn push(&mut self, data: Bytes) {
        if data.is_empty() {
            return;
        }
        self.len += data.len();
        self.chunks.push_back(data);
    }

    /// Takes up to `max` bytes from the front: the front chunk whole when it is at most
    /// `max` long and nothing else could be added, a `split_to(max)` of it when it is
    /// longer, and a copy gathering several chunks only when the front chunk is shorter
    /// than `max` and more chunks follow. Always `min(max, len)` bytes.
    pub(super) fn pop(&mut self, max: usize) -> Bytes {
        let queued = self.chunks.len();
        let Some(front) = self.chunks.front_mut() else {
            return Bytes::new();
        };
        let out = if front.len() > max {
            front.split_to(max)
        } else if front.len() == max || queued == 1 {
            match self.chunks.pop_front() {
                Some(chunk) => chunk,
                None => Bytes::new(),
            }
        } else {
            self.gather(max)
        };
        self.len -= out.len();
        out
    }

    /// Copies up to `max` bytes out of the front chunks into one buffer.
    fn gather(&mut self, max: usize) -> Bytes {
        let want = max.min(self.len);
        let mut out = BytesMut::with_capacity(want);
        while out.len() < want {
            let Some(front) = self.chunks.front_mut() else {
                break;
            };
            let take = (want - out.len()).min(front.len());
            out.extend_from_slice(&front[..take]);
            if take == front.len() {
                self.chunks.pop_front();
            } else {
                front.advance(take);
            }
        }
        out.freeze()
    }

    /// Drops everything held.
    pub(super) fn clear(&mut self) {
        self.chunks.clear();
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(chunks: &[&'static [u8]]) -> Buffer {
        let mut b = Buffer::default();
        for c in chunks {
            b.push(Bytes::from_static(c));
        }
        b
    }

    #[test]
    fn empty_chunks_are_not_stored() {
        let mut b = buffer(&[b"", b"ab", b""]);
        assert_eq!((b.len(), b.chunks()), (2, 1));
        assert_eq!(b.pop(10), "ab");
        assert!(b.is_empty());
        assert_eq!(b.pop(10), "");
    }

    #[test]
    fn a_chunk_of_exactly_max_comes_back_whole() {
        let data = Bytes::from(vec![7u8; 1000]);
        let mut b = Buffer::default();
        b.push(data.clone());
        b.push(Bytes::from_static(b"next"));
        let out = b.pop(1000);
        assert_eq!(out.as_ptr(), data.as_ptr());
        assert_eq!(out.len(), 1000);
        assert_eq!((b.len(), b.chunks()), (4, 1));
    }

    #[test]
    fn a_long_chunk_is_split_without_copying() {
        let data = Bytes::from(vec![1u8; 100]);
        let mut b = Buffer::default();
        b.push(data.clone());
        let first = b.pop(30);
        assert_eq!(first.as_ptr(), data.as_ptr());
        let rest = b.pop(1000);
        assert_eq!(rest.as_ptr(), data[30..].as_ptr());
        assert_eq!(rest.len(), 70);
        assert!(b.is_empty());
    }

    #[test]
    fn a_short_last_chunk_comes_back_whole() {
        let data = Bytes::from(vec![2u8; 10]);
        let mut b = Buffer::default();
        b.push(data.clone());
        let out = b.pop(4096);
        assert_eq!(out.as_ptr(), data.as_ptr());
    }

    #[test]
    fn short_chunks_are_gathered_up_to_max() {
        let mut b = buffer(&[b"ab", b"cd", b"efg", b"h"]);
        assert_eq!(b.pop(5), "abcde");
        assert_eq!((b.len(), b.chunks()), (3, 2));
        assert_eq!(b.pop(100), "fgh");
        assert!(b.is_empty());
        assert_eq!(b.chunks(), 0);
    }

    #[test]
    fn clear_drops_everything() {
        let mut b = buffer(&[b"ab", b"cd"]);
        b.clear();
        assert_eq!((b.len(), b.chunks()), (0, 0));
    }
}
