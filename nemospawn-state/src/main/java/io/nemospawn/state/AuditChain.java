package io.nemospawn.state;

import io.nemospawn.StateException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The hash chain of {@code audit.jsonl}. Every line written since the chain began carries two
 * extra fields: {@code seq}, its number in the chain (1, 2, 3 … across rotated files), and {@code
 * prev}, the SHA-256 (hex) of the previous line's bytes (the UTF-8 line without its newline;
 * {@value #GENESIS_NAME} for the very first line). Lines written by NemoSpawn 1.0 before the
 * first chained line are <em>unchained</em>: counted, not treated as tampering; the first chained
 * line's {@code prev} is the hash of the last of them, so they are covered from then on.
 *
 * <p>Rotation renames {@code audit.jsonl} to {@code audit.<last seq, 19 digits>.jsonl}; the first
 * line of the new file chains to the last line of the renamed one. {@link #files} lists them in
 * chain order.
 *
 * <p>What the chain shows: a line edited, deleted, inserted or moved anywhere but at the very end
 * breaks it, and {@link #verify} names the first broken line. What it cannot show on its own: the
 * last lines cut off, or the whole file rewritten with fresh hashes; for that, keep the {@linkplain
 * Report#head() head hash} somewhere else and compare.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class AuditChain {
  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final String GENESIS_NAME = "64 zeros";

  /** The {@code prev} of the first line of a chain. */
  public static final String GENESIS = "0".repeat(64);

  /** The current file's name. */
  public static final String FILE_NAME = "audit.jsonl";

  private static final Pattern ROTATED = Pattern.compile("audit\\.\\d{19}\\.jsonl");

  private AuditChain() {}

  /** Returns the SHA-256 (hex) of a line's bytes, without its newline. */
  public static String hash(byte[] line, int offset, int length) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(line, offset, length);
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Returns the SHA-256 (hex) of a line, without its newline. */
  public static String hash(String line) {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    return hash(b, 0, b.length);
  }

  /** Returns the name a rotated file gets: {@code audit.<lastSeq, 19 digits>.jsonl}. */
  public static String rotatedName(long lastSeq) {
    return String.format("audit.%019d.jsonl", lastSeq);
  }

  /**
   * Returns the audit files of a data directory in chain order: the rotated ones, oldest first,
   * then {@code audit.jsonl} (when it exists).
   */
  public static List<Path> files(Path dataDir) {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dataDir)) {
      s.filter(p -> ROTATED.matcher(p.getFileName().toString()).matches())
          .sorted()
          .forEach(out::add);
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      throw new StateException(dataDir, "Cannot list audit files in " + dataDir + ": " + e, e);
    }
    Path current = dataDir.resolve(FILE_NAME);
    if (Files.exists(current)) {
      out.add(current);
    }
    return out;
  }

  /**
   * The end of a chain: the hash of the last line and its {@code seq} (0 when it is unchained or
   * there is none).
   *
   * @param hash the hash of the last line, or {@link #GENESIS} when there is none
   * @param seq the last line's seq, 0 when unchained or none
   */
  public record Tail(String hash, long seq) {
    /** The tail of an empty chain. */
    public static final Tail EMPTY = new Tail(GENESIS, 0);
  }

  /**
   * Reads the last line of a file opened for reading. Returns null when the file is empty.
   *
   * @throws StateException when it cannot be read
   */
  public static @Nullable Tail tail(FileChannel ch, Path file) {
    try {
      long size = ch.size();
      if (size == 0) {
        return null;
      }
      long end = size;
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, size - 1);
      if (one.get(0) == '\n') {
        end = size - 1;
      }
      int window = 4096;
      while (true) {
        long from = Math.max(0, end - window);
        ByteBuffer buf = ByteBuffer.allocate((int) (end - from));
        while (buf.hasRemaining()) {
          if (ch.read(buf, from + buf.position()) < 0) {
            break;
          }
        }
        byte[] b = buf.array();
        int nl = -1;
        for (int i = b.length - 1; i >= 0; i--) {
          if (b[i] == '\n') {
            nl = i;
            break;
          }
        }
        if (nl >= 0 || from == 0) {
          byte[] line = Arrays.copyOfRange(b, nl + 1, b.length);
          return new Tail(hash(line, 0, line.length), seqOf(line));
        }
        window *= 4;
      }
    } catch (IOException e) {
      throw new StateException(file, "Cannot read the end of " + file + ": " + e, e);
    }
  }

  /**
   * Returns the tail of the newest non-empty audit file of a data directory ({@link Tail#EMPTY}
   * when there is none).
   */
  public static Tail tail(Path dataDir) {
    List<Path> fs = files(dataDir);
    for (int i = fs.size() - 1; i >= 0; i--) {
      Path f = fs.get(i);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        Tail t = tail(ch, f);
        if (t != null) {
          return t;
        }
      } catch (NoSuchFileException e) {
        // rotated away meanwhile
      } catch (IOException e) {
        throw new StateException(f, "Cannot read " + f + ": " + e, e);
      }
    }
    return Tail.EMPTY;
  }

  private static long seqOf(byte[] line) {
    try {
      JsonNode n = MAPPER.readTree(line);
      JsonNode s = n.get("seq");
      return s != null && s.isIntegralNumber() && n.has("prev") ? s.asLong() : 0;
    } catch (JacksonException e) {
      return 0;
    }
  }

  /**
   * Where the chain first breaks.
   *
   * @param file the file
   * @param line the line number in that file, from 1
   * @param reason what is wrong, in words
   */
  public record Break(Path file, long line, String reason) {
    @Override
    public String toString() {
      return file.getFileName() + " line " + line + ": " + reason;
    }
  }

  /**
   * The outcome of {@link #verify}.
   *
   * @param lines the lines read
   * @param unchained lines before the first chained line (written by NemoSpawn 1.0)
   * @param chained lines checked in the chain
   * @param firstSeq the seq of the first chained line (1 unless earlier files were removed), 0
   *     when none
   * @param head the hash of the last line: keep it elsewhere to detect a rewrite or a cut end
   * @param broken the first break, or null when the chain holds
   */
  public record Report(
      long lines,
      long unchained,
      long chained,
      long firstSeq,
      String head,
      @Nullable Break broken) {
    /** Whether no break was found. */
    public boolean intact() {
      return broken == null;
    }
  }

  /**
   * One line as read: where it is, its text and its parsed object (null when not JSON).
   *
   * @param file the file
   * @param lineNo the line number in that file, from 1
   * @param text the line without its newline
   * @param node the parsed line, or null when it is not a JSON object
   */
  public record Line(
      Path file, long lineNo, String text, @Nullable JsonNode node) {}

  /**
   * Reads the lines of the given files in order and passes each to {@code sink}.
   *
   * @throws StateException when a file cannot be read
   */
  public static void read(List<Path> files, Consumer<Line> sink) {
    for (Path f : files) {
      try (InputStream in = Files.newInputStream(f);
          BufferedReader r =
              new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
        String text;
        long no = 0;
        while ((text = r.readLine()) != null) {
          no++;
          JsonNode n;
          try {
            n = MAPPER.readTree(text);
            if (n == null || !n.isObject()) {
              n = null;
            }
          } catch (JacksonException e) {
            n = null;
          }
          sink.accept(new Line(f, no, text, n));
        }
      } catch (NoSuchFileException e) {
        // rotated away between listing and reading: its lines are in the next file's name
      } catch (IOException e) {
        throw new StateException(f, "Cannot read " + f + ": " + e, e);
      }
    }
  }

  /**
   * Checks the chain through the given files (in chain order, as {@link #files} lists them) and
   * names the first broken line: a line edited (its hash no longer matches what the next line
   * recorded), lines deleted (a gap in seq), a line inserted (no chain fields, or a seq out of
   * order), or a line that is not JSON.
   *
   * @throws StateException when a file cannot be read
   */
  public static Report verify(List<Path> files) {
    Objects.requireNonNull(files, "files");
    Verifier v = new Verifier();
    read(files, v);
    return new Report(v.lines, v.unchained, v.chained, v.firstSeq, v.prevHash, v.broken);
  }

  private static final class Verifier implements Consumer<Line> {
    long lines;
    long unchained;
    long chained;
    long firstSeq;
    boolean started;
    String prevHash = GENESIS;
    long prevSeq;

    @Nullable
    Path prevFile;

    long prevLineNo;

    @Nullable
    Break broken;

    @Override
    public void accept(Line l) {
      lines++;
      String hash = hash(l.text());
      if (broken != null) {
        prevHash = hash;
        return;
      }
      JsonNode n = l.node();
      if (n == null) {
        broken = new Break(l.file(), l.lineNo(), "not a JSON object: the line was damaged");
      } else if (!n.has("prev") || !n.has("seq")) {
        if (started) {
          broken = new Break(
              l.file(),
              l.lineNo(),
              "has no chain fields (seq, prev) after the chain began: inserted, or written by"
                  + " a writer that does not chain");
        } else {
          unchained++;
        }
      } else {
        long seq = n.get("seq").asLong(-1);
        String prev = n.get("prev").asString("");
        if (!started) {
          started = true;
          firstSeq = seq;
          boolean anchored = prev.equals(prevHash)
              || (lines == 1 && seq > 1); // earlier files removed: the chain starts here
          if (!anchored || seq < 1) {
            broken = new Break(
                l.file(),
                l.lineNo(),
                "the first chained line (seq " + seq + ") does not chain to the line before it");
          }
        } else if (seq == prevSeq + 1 && !prev.equals(prevHash)) {
          Path f = prevFile;
          broken = new Break(
              f == null ? l.file() : f,
              prevLineNo,
              "was changed: its hash no longer matches the prev recorded by the next line (seq "
                  + seq + ")");
        } else if (seq > prevSeq + 1) {
          broken = new Break(
              l.file(),
              l.lineNo(),
              "seq jumps from " + prevSeq + " to " + seq + ": " + (seq - prevSeq - 1)
                  + " line(s) before this one were deleted");
        } else if (seq <= prevSeq) {
          broken = new Break(
              l.file(),
              l.lineNo(),
              "seq " + seq + " after " + prevSeq
                  + ": this line or the one before it was inserted or moved");
        }
        if (broken == null) {
          chained++;
        }
        prevSeq = seq;
      }
      prevHash = hash;
      prevFile = l.file();
      prevLineNo = l.lineNo();
    }
  }
}
