package io.nemospawn.cli;

import io.nemospawn.spi.StateFormat;
import java.io.FilterWriter;
import java.io.IOException;
import java.io.Writer;

/**
 * A writer for a terminal: every character that could act on the terminal or disguise text
 * (controls, bidirectional controls, other format characters; see {@link
 * StateFormat#displayable(CharSequence, boolean)}) reaches the wrapped writer as a visible escape.
 * Line feeds and tabs pass, so multi-line text keeps its lines. A high surrogate at the end of one
 * write waits for the next, so a character split across writes is judged whole.
 *
 * <p>Not thread-safe on its own; {@link java.io.PrintWriter} wrapping it locks around each write.
 */
final class DisplayWriter extends FilterWriter {
  private char pendingHigh;

  DisplayWriter(Writer out) {
    super(out);
  }

  @Override
  public void write(int c) throws IOException {
    write(String.valueOf((char) c), 0, 1);
  }

  @Override
  public void write(char[] cbuf, int off, int len) throws IOException {
    write(new String(cbuf, off, len), 0, len);
  }

  @Override
  public void write(String str, int off, int len) throws IOException {
    if (len <= 0) {
      return;
    }
    StringBuilder chunk = new StringBuilder(len + 1);
    if (pendingHigh != 0) {
      chunk.append(pendingHigh);
      pendingHigh = 0;
    }
    chunk.append(str, off, off + len);
    char last = chunk.charAt(chunk.length() - 1);
    if (Character.isHighSurrogate(last)) {
      pendingHigh = last;
      chunk.setLength(chunk.length() - 1);
    }
    out.write(StateFormat.displayable(chunk, true));
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    if (pendingHigh != 0) {
      out.write(StateFormat.displayable(String.valueOf(pendingHigh), true));
      pendingHigh = 0;
    }
    out.close();
  }
}
