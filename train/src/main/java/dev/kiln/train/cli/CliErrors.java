package dev.kiln.train.cli;

import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Turns a failure of a data command into the one clear line the CLI prints ({@code kiln convert: error: ...}) and a
 * non-zero exit code, instead of a stack trace from deep inside.
 */
final class CliErrors {
  /** The exit code of a command that failed on bad input. */
  static final int FAILED = 1;

  private CliErrors() {}

  /** Prints {@code e} as one line on the command's error stream and returns {@link #FAILED}. */
  static int fail(CommandSpec spec, Exception e) {
    PrintWriter err = spec.commandLine().getErr();
    err.println("kiln " + spec.name() + ": error: " + describe(e));
    err.flush();
    return FAILED;
  }

  static String describe(Exception e) {
    if (e instanceof NoSuchFileException n) {
      return (n.getReason() != null ? n.getReason() + ": " : "no such file or folder: ") + n.getFile();
    }
    if (e instanceof FileAlreadyExistsException x) {
      return (x.getReason() != null ? x.getReason() + ": " : "already exists: ") + x.getFile();
    }
    if (e instanceof FileSystemException f) {
      return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : f.getClass().getSimpleName());
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
  }
}
