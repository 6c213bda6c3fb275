package io.nemospawn.cluster.ssh.internal;

import io.nemospawn.cluster.ssh.Cluster;
import io.nemospawn.cluster.ssh.HostKeyException;
import io.nemospawn.cluster.ssh.RemoteShell;
import io.nemospawn.cluster.ssh.SshSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.forwarded.RemotePortForwarder;
import net.schmizz.sshj.connection.channel.forwarded.SocketForwardingConnectListener;
import net.schmizz.sshj.sftp.FileAttributes;
import net.schmizz.sshj.sftp.OpenMode;
import net.schmizz.sshj.sftp.RemoteFile;
import net.schmizz.sshj.sftp.SFTPClient;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.userauth.UserAuthException;
import org.jspecify.annotations.Nullable;

/** {@link RemoteShell} over sshj: one SSH connection with keep-alives, SFTP opened on demand. */
public final class SshjShell implements RemoteShell {
  private static final int CHUNK = 32 * 1024;
  private static final int IN_FLIGHT = 32;

  private final Cluster cluster;
  private final SSHClient ssh;
  private @Nullable SFTPClient sftp;
  private @Nullable String home;

  private SshjShell(Cluster cluster, SSHClient ssh) {
    this.cluster = cluster;
    this.ssh = ssh;
  }

  /** Connects, checks the host key and logs in with the cluster's key (or the default ones). */
  public static SshjShell open(Cluster cluster, SshSettings settings) throws IOException {
    DefaultConfig config = new DefaultConfig();
    config.setKeepAliveProvider(KeepAliveProvider.KEEP_ALIVE);
    SSHClient ssh = new SSHClient(config);
    KnownHostsCheck check = new KnownHostsCheck(settings.knownHosts(), settings.acceptNewHostKey());
    ssh.addHostKeyVerifier(check);
    int timeout = (int) settings.connectTimeout().toMillis();
    ssh.setConnectTimeout(timeout);
    ssh.setTimeout(Math.max(timeout, 30_000));
    try {
      ssh.connect(cluster.host(), cluster.port());
    } catch (TransportException e) {
      close(ssh);
      HostKeyException hk = check.failure();
      if (hk != null) {
        throw hk;
      }
      throw new IOException(
          "Cannot connect to cluster '" + cluster.name() + "' at " + cluster.address() + ": "
              + e.getMessage(),
          e);
    } catch (IOException e) {
      close(ssh);
      throw new IOException(
          "Cannot reach cluster '" + cluster.name() + "' at " + cluster.address() + ": " + e, e);
    }
    try {
      ssh.getConnection().getKeepAlive().setKeepAliveInterval(5);
      List<String> keys = new ArrayList<>();
      Path key = cluster.keyPath();
      if (key != null) {
        if (!Files.isReadable(key)) {
          throw new IOException("The SSH key " + key + " of cluster '" + cluster.name()
              + "' cannot be read; check the path and its permissions");
        }
        keys.add(key.toString());
      } else {
        for (String n : List.of("id_ed25519", "id_ecdsa", "id_rsa")) {
          Path p = Path.of(System.getProperty("user.home"), ".ssh", n);
          if (Files.isReadable(p)) {
            keys.add(p.toString());
          }
        }
      }
      if (keys.isEmpty()) {
        throw new IOException("No SSH key for cluster '" + cluster.name() + "': give a key file"
            + " when registering it, or create ~/.ssh/id_ed25519");
      }
      ssh.authPublickey(cluster.user(), keys.toArray(String[]::new));
    } catch (UserAuthException e) {
      close(ssh);
      throw new IOException(
          "Cluster '" + cluster.name() + "' (" + cluster.address()
              + ") refused the key "
              + (cluster.keyPath() == null ? "~/.ssh/id_*" : cluster.keyPath())
              + " for user " + cluster.user() + ": " + e.getMessage(),
          e);
    } catch (IOException | RuntimeException e) {
      close(ssh);
      throw e;
    }
    return new SshjShell(cluster, ssh);
  }

  private static void close(SSHClient ssh) {
    try {
      ssh.close();
    } catch (IOException ignored) {
      // nothing more to do
    }
  }

  @Override
  public Result exec(List<String> argv, Duration timeout) throws IOException {
    String line = RemoteShell.commandLine(argv);
    try (Session s = ssh.startSession()) {
      Session.Command c = s.exec(line);
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Thread pump = new Thread(() -> copy(c.getErrorStream(), err), "ssh-stderr");
      pump.setDaemon(true);
      pump.start();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      copy(c.getInputStream(), out);
      c.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
      try {
        pump.join(timeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while running " + argv.get(0) + " on " + cluster.name());
      }
      Integer code = c.getExitStatus();
      return new Result(
          code == null ? -1 : code,
          out.toString(StandardCharsets.UTF_8),
          err.toString(StandardCharsets.UTF_8));
    }
  }

  private static void copy(InputStream in, OutputStream out) {
    try {
      in.transferTo(out);
    } catch (IOException ignored) {
      // the channel closed
    }
  }

  private synchronized SFTPClient sftp() throws IOException {
    SFTPClient s = sftp;
    if (s == null) {
      s = ssh.newSFTPClient();
      sftp = s;
    }
    return s;
  }

  @Override
  public synchronized String home() throws IOException {
    String h = home;
    if (h == null) {
      h = sftp().canonicalize(".");
      home = h;
    }
    return h;
  }

  @Override
  public void mkdirs(String dir) throws IOException {
    SFTPClient s = sftp();
    if (s.statExistence(dir) == null) {
      s.mkdirs(dir);
      s.chmod(dir, 0700);
    }
  }

  @Override
  public void write(String remotePath, byte[] content, int mode) throws IOException {
    SFTPClient s = sftp();
    String tmp = remotePath + ".tmp-" + Long.toHexString(System.nanoTime());
    FileAttributes attrs = new FileAttributes.Builder().withPermissions(mode).build();
    try (RemoteFile f =
        s.open(tmp, EnumSet.of(OpenMode.WRITE, OpenMode.CREAT, OpenMode.TRUNC), attrs)) {
      f.write(0, content, 0, content.length);
    }
    s.chmod(tmp, mode);
    rename(tmp, remotePath);
  }

  @Override
  public long size(String remotePath) throws IOException {
    FileAttributes a = sftp().statExistence(remotePath);
    return a == null ? -1 : a.getSize();
  }

  @Override
  public byte[] read(String remotePath, long offset, int max) throws IOException {
    try (RemoteFile f = sftp().open(remotePath, EnumSet.of(OpenMode.READ))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[CHUNK];
      long pos = offset;
      while (out.size() < max) {
        int n = f.read(pos, buf, 0, Math.min(buf.length, max - out.size()));
        if (n <= 0) {
          break;
        }
        out.write(buf, 0, n);
        pos += n;
      }
      return out.toByteArray();
    }
  }

  @Override
  public void upload(Path local, String remotePath, long offset, LongConsumer progress)
      throws IOException {
    FileAttributes attrs = new FileAttributes.Builder().withPermissions(0600).build();
    try (RemoteFile f = sftp().open(remotePath, EnumSet.of(OpenMode.WRITE, OpenMode.CREAT), attrs);
        FileChannel in = FileChannel.open(local, StandardOpenOption.READ);
        OutputStream out = f.new RemoteFileOutputStream(offset, IN_FLIGHT)) {
      in.position(offset);
      InputStream src = Channels.newInputStream(in);
      byte[] buf = new byte[CHUNK];
      long done = offset;
      int n;
      while ((n = src.read(buf)) > 0) {
        out.write(buf, 0, n);
        done += n;
        progress.accept(done);
      }
    }
  }

  @Override
  public void download(String remotePath, Path local, long offset, LongConsumer progress)
      throws IOException {
    try (RemoteFile f = sftp().open(remotePath, EnumSet.of(OpenMode.READ));
        InputStream in = f.new ReadAheadRemoteFileInputStream(IN_FLIGHT, offset);
        RandomAccessFile out = new RandomAccessFile(local.toFile(), "rw")) {
      out.seek(offset);
      byte[] buf = new byte[CHUNK];
      long done = offset;
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        done += n;
        progress.accept(done);
      }
      out.setLength(done);
    }
  }

  @Override
  public void rename(String from, String to) throws IOException {
    SFTPClient s = sftp();
    if (s.statExistence(to) != null) {
      s.rm(to);
    }
    s.rename(from, to);
  }

  @Override
  public int forwardRemote(int remotePort, String localHost, int localPort) throws IOException {
    RemotePortForwarder.Forward f = ssh.getRemotePortForwarder()
        .bind(
            new RemotePortForwarder.Forward("127.0.0.1", remotePort),
            new SocketForwardingConnectListener(new InetSocketAddress(localHost, localPort)));
    return f.getPort();
  }

  @Override
  public boolean connected() {
    return ssh.isConnected() && ssh.isAuthenticated();
  }

  @Override
  public void close() {
    SFTPClient s = sftp;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    close(ssh);
  }

  @Override
  public String toString() {
    return "SshjShell[" + cluster.address() + "]";
  }
}
