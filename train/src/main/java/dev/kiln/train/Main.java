package dev.kiln.train;

import dev.kiln.core.Flags;
import dev.kiln.train.cli.CliErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code kiln} command line. Each job Kiln does for a user (train, cv, demo, synth, convert, predict, plugin,
 * flags, bench, stream, serve) is a picocli subcommand registered here; {@code ./kiln} at the repository root runs
 * this class.
 */
@Command(name = "kiln", mixinStandardHelpOptions = true, version = "kiln 0.1.0",
    description = "Kiln: train models from Java on TPUs, GPUs and CPUs.",
    subcommands = {CommandLine.HelpCommand.class, dev.kiln.train.cli.ConvertCommand.class,
        dev.kiln.train.cli.SynthCommand.class, dev.kiln.train.cli.InspectCommand.class,
        dev.kiln.train.cli.PluginCommand.class, dev.kiln.train.cli.CheckCommand.class,
        dev.kiln.train.cli.TrainCommand.class, dev.kiln.train.cli.DemoCommand.class,
        dev.kiln.train.cli.PredictCommand.class, dev.kiln.train.cli.SummaryCommand.class,
        dev.kiln.train.cli.BenchCommand.class, dev.kiln.train.cli.CompileCommand.class,
        dev.kiln.train.cli.FlagsCommand.class, dev.kiln.train.cli.StreamCommand.class,
        dev.kiln.train.cli.ServeCommand.class, dev.kiln.train.cli.ExportTestCommand.class, dev.kiln.train.cli.CvCommand.class})
public final class Main implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The configured command line: a failure deep inside a command, a misused option, even the JVM running out of
   * heap or stack, prints one line naming the command and the cause and exits non-zero; {@code KILN_DEBUG=1} adds
   * the stack trace.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionStrategy(Main::executeCatchingErrors);
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      Throwable cause = e instanceof CommandLine.ExecutionException x && x.getCause() instanceof Error err ? err : e;
      cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": error: " + CliErrors.describe(cause));
      if (Flags.DEBUG.isSet()) cause.printStackTrace(cmd.getErr());
      cmd.getErr().flush();
      return 1;
    });
    cl.setParameterExceptionHandler((e, args) -> {
      CommandLine cmd = e.getCommandLine();
      String name = cmd.getCommandSpec().qualifiedName(); // "kiln compile train" for a nested command
      cmd.getErr().println(name + ": error: " + CliErrors.describe(e) + " (see '" + name + " --help')");
      cmd.getErr().flush();
      return cmd.getCommandSpec().exitCodeOnInvalidInput();
    });
    return cl;
  }

  /**
   * Runs the command, handing the JVM's own failures that a bad input can cause (heap or stack exhausted) to the
   * execution exception handler, which prints them as one line too.
   */
  private static int executeCatchingErrors(CommandLine.ParseResult parsed) {
    try {
      return new CommandLine.RunLast().execute(parsed);
    } catch (OutOfMemoryError | StackOverflowError e) {
      CommandLine.ParseResult leaf = parsed;
      while (leaf.hasSubcommand()) leaf = leaf.subcommand();
      throw new CommandLine.ExecutionException(leaf.commandSpec().commandLine(), CliErrors.describe(e), e);
    }
  }
}
