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
public final class CliErrors {
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

  /**
   * The one line that says what went wrong: a file system error as its path and the reason in words, a Java
   * {@link Error} a bad input can cause as what to do about it, anything else as its message's first line, without
   * the names of Java exception classes.
   */
  public static String describe(Throwable e) {
    if (e instanceof OutOfMemoryError) {
      return "out of memory: the Java heap may use " + String.format("%.1f GiB",
          Runtime.getRuntime().maxMemory() / (double) (1L << 30)) + "; use a smaller model or batch, or raise the "
          + "heap with KILN_JAVA_OPTS=-Xmx<size>";
    }
    if (e instanceof StackOverflowError) {
      return "the input is nested too deeply for the Java stack; raise it with KILN_JAVA_OPTS=-Xss<size>";
    }
    if (e instanceof NoSuchFileException n) {
      return (n.getReason() != null ? n.getReason() + ": " : "no such file or folder: ") + n.getFile();
    }
    if (e instanceof FileAlreadyExistsException x) {
      return (x.getReason() != null ? x.getReason() + ": " : "already exists: ") + x.getFile();
    }
    if (e instanceof FileSystemException f) return f.getFile() + ": " + reason(f);
    String m = e.getMessage();
    if (m == null || m.isBlank()) return "internal error (KILN_DEBUG=1 prints the stack trace)";
    String line = m.lines().findFirst().orElse(m);
    // "java.io.IOException: ..." (a cause's toString as a message): the class name says nothing to a user.
    return line.replaceAll("^([a-z][\\w$]*\\.)+[A-Z][\\w$]*(Exception|Error): ", "");
  }

  /** Why a file operation failed, in words (the operating system's reason when it gave one). */
  private static String reason(FileSystemException f) {
    if (f.getReason() != null) return f.getReason();
    if (f instanceof java.nio.file.AccessDeniedException) return "permission denied";
    if (f instanceof java.nio.file.NotDirectoryException) return "not a folder";
    if (f instanceof java.nio.file.DirectoryNotEmptyException) return "folder is not empty";
    if (f instanceof java.nio.file.FileSystemLoopException) return "symbolic links form a loop";
    return "cannot be used";
  }
}
