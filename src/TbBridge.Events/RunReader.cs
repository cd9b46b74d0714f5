namespace TbBridge.Events;

/// <summary>Reads a whole run: each of its event files in name order, decoded, damage reported not thrown.</summary>
public static class RunReader
{
    /// <summary>
    /// Every event of every file of <paramref name="run"/>, the file-version records included. Damaged records
    /// and payloads that are not events are skipped and added to <paramref name="errors"/>.
    /// </summary>
    public static IEnumerable<DecodedEvent> ReadRun(RunInfo run, ICollection<EventReadError>? errors = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var decoder = new EventDecoder();
        foreach (string file in run.EventFiles)
        {
            foreach (var evt in ReadFile(file, decoder, errors))
            {
                yield return evt;
            }
        }
    }

    /// <summary>Every event of one finished file, with the same error handling as <see cref="ReadRun"/>.</summary>
    public static IEnumerable<DecodedEvent> ReadFile(string path, EventDecoder decoder, ICollection<EventReadError>? errors = null)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        EventFileReader reader;
        try
        {
            reader = new EventFileReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors?.Add(new EventReadError(path, 0, $"cannot open: {e.Message}"));
            yield break;
        }

        using (reader)
        {
            foreach (var record in reader.ReadToEnd())
            {
                DecodedEvent? evt = null;
                try
                {
                    evt = decoder.Decode(record.Payload.Span);
                }
                catch (InvalidDataException e)
                {
                    errors?.Add(new EventReadError(path, record.Offset, e.Message));
                }

                if (evt is not null)
                {
                    yield return evt;
                }
            }

            if (errors is not null)
            {
                foreach (var error in reader.Errors)
                {
                    errors.Add(error);
                }
            }
        }
    }
}
