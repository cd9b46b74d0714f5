using System.Globalization;
using Spectre.Console;
using TbBridge.Events;

namespace TbBridge.Cli.Internal;

/// <summary>The damaged records a command read past (file, offset, cause), as every command lists them.</summary>
internal static class ReadErrorTable
{
    public static void Write(IAnsiConsole console, IReadOnlyCollection<EventReadError> errors)
    {
        if (errors.Count == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Simple).Title("[red]read errors[/]")
            .AddColumn("file").AddColumn(new TableColumn("offset").RightAligned()).AddColumn("problem");
        foreach (var error in errors)
        {
            table.AddRow(Markup.Escape(error.File), error.Offset.ToString(CultureInfo.InvariantCulture), Markup.Escape(error.Message));
        }

        console.Write(table);
    }
}
