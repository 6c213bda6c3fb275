package io.nemospawn.cli;

import io.nemospawn.spi.StateFormat;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * Standard error for library log lines and stack traces: text printed with {@code print} or
 * {@code println} is escaped as {@link Output} escapes human output (line feeds kept), so a log
 * message quoting a value from the state cannot act on the terminal. Bytes written directly (the
 * CLI's own writers, which escape already and may add colour) pass unchanged.
 */
final class LogStream extends PrintStream {
  LogStream(OutputStream out, Charset charset) {
    super(out, true, charset);
  }

  @Override
  public void print(String s) {
    super.print(s == null ? null : StateFormat.displayable(s, true));
  }

  @Override
  public void print(Object obj) {
    print(String.valueOf(obj));
  }

  @Override
  public void print(char[] s) {
    print(new String(s));
  }

  @Override
  public void println(char[] x) {
    println(new String(x));
  }
}
