package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One Kiln process per output: a second lock on a run folder (or on a dataset being converted), in this JVM or
 * another process, is refused at once naming the holder's pid; a holder killed with SIGKILL does not block the next.
 */
class RunLockTest {
  @TempDir Path dir;

  /** Holds a lock until killed: {@code folder DIR} or {@code beside TARGET}; prints "locked" once it holds it. */
  public static final class Holder {
    public static void main(String[] args) throws Exception {
      RunLock lock = args[0].equals("folder") ? RunLock.folder(Path.of(args[1])) : RunLock.beside(Path.of(args[1]));
      System.out.println("locked " + lock.file());
      System.out.flush();
      Thread.sleep(120_000);
    }
  }

  static String kilnError(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    int code = cl.execute(args);
    assertTrue(code != 0, "exit code " + code);
    return err.toString().strip();
  }

  @Test
  void aSecondLockInTheSameJvmIsRefusedWithTheHoldersPid() throws Exception {
    Path run = dir.resolve("run");
    long pid = ProcessHandle.current().pid();
    try (RunLock first = RunLock.folder(run)) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunLock.folder(run));
      assertEquals(run + " is in use by another kiln process (pid " + pid + ")", e.getMessage());
      assertEquals(pid + "\n", Files.readString(run.resolve(RunLock.FILE)));
      Path link = Files.createSymbolicLink(dir.resolve("link"), run);
      IllegalStateException viaLink = assertThrows(IllegalStateException.class, () -> RunLock.folder(link));
      assertEquals(link + " is in use by another kiln process (pid " + pid + ")", viaLink.getMessage());
      // Through the CLI: train refuses before it looks at anything else (the data folder does not even exist).
      assertEquals("kiln train: error: " + run + " is in use by another kiln process (pid " + pid + ")",
          kilnError("train", "--data", dir.resolve("no-data").toString(), "--out", run.toString()));
      assertEquals("kiln train: error: " + run + " is in use by another kiln process (pid " + pid + ")",
          kilnError("train", "--data", dir.resolve("no-data").toString(), "--resume", run.toString()));
    }
    try (RunLock again = RunLock.folder(run)) {
      assertTrue(Files.exists(again.file()), "released on close, so it can be taken again");
    }
  }

  @Test
  void aLockHeldThroughAnotherChannelMapsToTheSameMessage() throws Exception {
    Path run = Files.createDirectories(dir.resolve("run"));
    try (FileChannel ch = FileChannel.open(run.resolve(RunLock.FILE), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); var held = ch.lock()) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunLock.folder(run));
      assertTrue(e.getMessage().startsWith(run + " is in use by another kiln process (pid "), e.getMessage());
    }
  }

  @Test
  void anotherProcessesLockIsRefusedAndItsDeathReleasesIt() throws Exception {
    Path run = dir.resolve("run");
    Path data = dir.resolve("data");
    Process holder = hold("folder", run);
    Process converter = hold("beside", data);
    try {
      assertEquals("kiln train: error: " + run + " is in use by another kiln process (pid " + holder.pid() + ")",
          kilnError("train", "--data", dir.resolve("no-data").toString(), "--out", run.toString()));
      Path csv = Files.writeString(dir.resolve("train.csv"), "date\n");
      assertEquals("kiln convert: error: " + data + " is in use by another kiln process (pid " + converter.pid() + ")",
          kilnError("convert", "--csv", csv.toString(), "--out", data.toString()));
      assertEquals("kiln synth: error: " + data + " is in use by another kiln process (pid " + converter.pid() + ")",
          kilnError("synth", "--out", data.toString()));
    } finally {
      holder.destroyForcibly(); // SIGKILL: the lock file stays, the operating system drops the lock
      converter.destroyForcibly();
      assertTrue(holder.waitFor(30, TimeUnit.SECONDS) && converter.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(Files.exists(run.resolve(RunLock.FILE)), "the killed holder's file is left behind");
    try (RunLock next = RunLock.folder(run); RunLock next2 = RunLock.beside(data)) {
      assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(next.file()));
    }
  }

  private Process hold(String mode, Path target) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        Holder.class.getName(), mode, target.toString())).redirectErrorStream(true).start();
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = r.readLine();
    assertTrue(line != null && line.startsWith("locked "), "holder said: " + line);
    return p;
  }
}
