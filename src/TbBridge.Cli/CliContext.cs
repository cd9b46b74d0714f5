using Spectre.Console;

namespace TbBridge.Cli;

/// <summary>Where a command writes: plain text and JSON to <see cref="Out"/>, tables and progress through <see cref="Console"/>.</summary>
internal sealed class CliContext
{
    /// <param name="output">Where text, JSON and tables go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="width">The terminal's width in columns, where the caller knows it (tests); detected otherwise.</param>
    public CliContext(TextWriter output, TextWriter error, int? width = null)
    {
        Out = output;
        Error = error;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = ReferenceEquals(output, System.Console.Out) ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ReferenceEquals(output, System.Console.Out) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = ReferenceEquals(output, System.Console.Out) ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!ReferenceEquals(output, System.Console.Out) || System.Console.IsOutputRedirected)
        {
            Console.Profile.Width = 200; // files and pipes have no width: do not wrap tables at 80 columns
        }

        if (width is { } columns)
        {
            Console.Profile.Width = columns;
        }
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public IAnsiConsole Console { get; }
}
