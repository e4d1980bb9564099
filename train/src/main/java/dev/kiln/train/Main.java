package dev.kiln.train;

import dev.kiln.core.Flags;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code kiln} command line. Each job Kiln does for a user (train, demo, synth, convert, predict, plugin, flags,
 * bench) is a picocli subcommand registered here; {@code ./kiln} at the repository root runs this class.
 */
@Command(name = "kiln", mixinStandardHelpOptions = true, version = "kiln 0.1.0",
    description = "Kiln: train models from Java on TPUs, GPUs and CPUs.",
    subcommands = {CommandLine.HelpCommand.class, dev.kiln.train.cli.ConvertCommand.class,
        dev.kiln.train.cli.SynthCommand.class, dev.kiln.train.cli.InspectCommand.class,
        dev.kiln.train.cli.PluginCommand.class, dev.kiln.train.cli.CheckCommand.class,
        dev.kiln.train.cli.TrainCommand.class, dev.kiln.train.cli.DemoCommand.class,
        dev.kiln.train.cli.PredictCommand.class, dev.kiln.train.cli.SummaryCommand.class,
        dev.kiln.train.cli.BenchCommand.class, dev.kiln.train.cli.FlagsCommand.class})
public final class Main implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The configured command line: a failure deep inside a command prints one line naming the command and the
   * cause and exits 1; {@code KILN_DEBUG=1} adds the stack trace.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      String m = e.getMessage();
      String line = m == null || m.isBlank() ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
      cmd.getErr().println("kiln " + cmd.getCommandName() + ": error: " + line);
      if (Flags.DEBUG.isSet()) e.printStackTrace(cmd.getErr());
      cmd.getErr().flush();
      return 1;
    });
    return cl;
  }
}
