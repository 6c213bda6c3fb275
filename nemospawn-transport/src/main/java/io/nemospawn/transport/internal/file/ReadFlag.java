package io.nemospawn.transport.internal.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Marks a message file read in place: the five bytes {@code false} of its top-level {@code "read"}
 * key become {@code true } (JSON allows the trailing space), so the file keeps its inode, its size
 * and every other byte. No temp file, no truncation and no rename: on ext4 a rename over a file,
 * or a truncate and rewrite, makes the kernel flush the new data at once ({@code auto_da_alloc}),
 * which made marking read the most expensive step of receiving. A five-byte write inside one
 * sector is not torn by a crash; a reader sees the old or the new flag.
 */
final class ReadFlag {
  private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TRUE = "true ".getBytes(StandardCharsets.US_ASCII);

  private ReadFlag() {}

  /**
   * Patches the flag of {@code file}, whose content was {@code bytes} when read; returns false,
   * changing nothing, when the record has no top-level {@code "read": false} or the file changed
   * size or flag since, so that the caller rewrites it whole.
   */
  static boolean patch(Path file, byte[] bytes) {
    int at = falseOffset(bytes);
    if (at < 0) {
      return false;
    }
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      if (ch.size() != bytes.length) {
        return false;
      }
      ByteBuffer now = ByteBuffer.allocate(FALSE.length);
      while (now.hasRemaining() && ch.read(now, at + now.position()) > 0) {
        // read the five bytes where the flag was
      }
      if (now.hasRemaining() || !java.util.Arrays.equals(now.array(), FALSE)) {
        return false;
      }
      ByteBuffer flag = ByteBuffer.wrap(TRUE);
      while (flag.hasRemaining()) {
        ch.write(flag, at + flag.position());
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Returns the offset of the {@code false} value of the top-level {@code "read"} key of a JSON
   * object, or -1 when there is none (no such key, another value, a nested key of that name only,
   * or not an object). Strings are skipped whole, escapes included, so a body that quotes {@code
   * "read": false} is never taken for the key.
   */
  static int falseOffset(byte[] b) {
    int depth = 0;
    int n = b.length;
    for (int i = 0; i < n; i++) {
      byte c = b[i];
      if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        depth--;
      } else if (c == '"') {
        int start = i + 1;
        int end = start;
        while (end < n && b[end] != '"') {
          end += b[end] == '\\' ? 2 : 1;
        }
        if (end >= n) {
          return -1;
        }
        i = end;
        if (depth != 1 || end - start != 4 || !isRead(b, start)) {
          continue;
        }
        int j = skipWs(b, end + 1);
        if (j >= n || b[j] != ':') {
          continue; // a value "read", not the key
        }
        j = skipWs(b, j + 1);
        if (j + FALSE.length > n) {
          return -1;
        }
        for (int k = 0; k < FALSE.length; k++) {
          if (b[j + k] != FALSE[k]) {
            return -1;
          }
        }
        int after = skipWs(b, j + FALSE.length);
        return after < n && (b[after] == ',' || b[after] == '}') ? j : -1;
      }
    }
    return -1;
  }

  private static boolean isRead(byte[] b, int at) {
    return b[at] == 'r' && b[at + 1] == 'e' && b[at + 2] == 'a' && b[at + 3] == 'd';
  }

  private static int skipWs(byte[] b, int i) {
    while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
      i++;
    }
    return i;
  }
}
