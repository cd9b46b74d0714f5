using Microsoft.Extensions.Options;
using TbBridge.Server.Internal.Security;

namespace TbBridge.Server;

/// <summary>Fails start-up (ValidateOnStart) with every problem in the <c>TbBridge</c> section at once.</summary>
internal sealed class TbBridgeServerOptionsValidator : IValidateOptions<TbBridgeServerOptions>
{
    public ValidateOptionsResult Validate(string? name, TbBridgeServerOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add("TbBridge:DataDirectory is required.");
        }

        if (options.ReplicaTimeout < TimeSpan.FromSeconds(1))
        {
            errors.Add("TbBridge:ReplicaTimeout must be at least 1 second.");
        }

        if (options.ReplicaPruneAfter < 2 * options.ReplicaTimeout)
        {
            errors.Add("TbBridge:ReplicaPruneAfter must be at least twice TbBridge:ReplicaTimeout.");
        }

        if (!string.IsNullOrWhiteSpace(options.Postgres))
        {
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(options.Postgres);
            }
            catch (ArgumentException ex)
            {
                errors.Add($"TbBridge:Postgres is not a valid Npgsql connection string ({ex.Message}).");
            }
        }

        if (!Enum.IsDefined(options.Anonymous))
        {
            errors.Add("TbBridge:Anonymous must be None, LoopbackOnly or Any.");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            if (key.Key.Length < 16)
            {
                errors.Add($"TbBridge:ApiKeys:{i}:Key must be at least 16 characters.");
            }
            else if (!keys.Add(key.Key))
            {
                errors.Add($"TbBridge:ApiKeys:{i}:Key is used twice.");
            }

            foreach (var project in key.Write.Concat(key.Read))
            {
                if (project != "*" && NameRules.CheckProject(project) is { } problem)
                {
                    errors.Add($"TbBridge:ApiKeys:{i}: {problem}");
                }
            }
        }

        if (options.MaxReceiveMessageBytes < 1024)
        {
            errors.Add("TbBridge:MaxReceiveMessageBytes must be at least 1024.");
        }

        if (options.MaxPointsPerSecondPerClient < 0)
        {
            errors.Add("TbBridge:MaxPointsPerSecondPerClient cannot be negative.");
        }

        if (options.OpenTimeout <= TimeSpan.Zero)
        {
            errors.Add("TbBridge:OpenTimeout must be positive.");
        }

        if (options.IdleTimeout <= TimeSpan.Zero)
        {
            errors.Add("TbBridge:IdleTimeout must be positive.");
        }

        if (options.MaxStreamsPerKey < 1 || options.MaxStreamsPerAnonymousAddress < 1)
        {
            errors.Add("TbBridge:MaxStreamsPerKey and MaxStreamsPerAnonymousAddress must be positive.");
        }

        if (options.MaxTagsPerBatch < 1 || options.WatchQueueCapacity < 1 || options.WebhookQueueCapacity < 1 || options.MaxHistoryReadsPerKey < 1)
        {
            errors.Add("TbBridge:MaxTagsPerBatch, WatchQueueCapacity, WebhookQueueCapacity and MaxHistoryReadsPerKey must be positive.");
        }

        if (options.MaxAnalysedTagsPerWorker < 4)
        {
            errors.Add("TbBridge:MaxAnalysedTagsPerWorker must be at least 4.");
        }

        if (!(options.StallFactor >= 1))
        {
            errors.Add("TbBridge:StallFactor must be at least 1.");
        }

        if (options.StallFloor <= TimeSpan.Zero || options.StallCeiling < options.StallFloor)
        {
            errors.Add("TbBridge:StallFloor must be positive and at most TbBridge:StallCeiling.");
        }

        if (options.DisconnectGrace <= TimeSpan.Zero)
        {
            errors.Add("TbBridge:DisconnectGrace must be positive.");
        }

        for (int i = 0; i < options.Webhooks.Count; i++)
        {
            var hook = options.Webhooks[i];
            if (hook.Url is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"TbBridge:Webhooks:{i}:Url must be an absolute http or https URL.");
            }

            if (!Enum.IsDefined(hook.MinSeverity))
            {
                errors.Add($"TbBridge:Webhooks:{i}:MinSeverity must be Info, Warning or Critical.");
            }

            if (hook.MaxAttempts < 1 || hook.InitialBackoff <= TimeSpan.Zero || hook.MaxBackoff < hook.InitialBackoff)
            {
                errors.Add($"TbBridge:Webhooks:{i}: MaxAttempts must be positive and 0 < InitialBackoff <= MaxBackoff.");
            }

            if (hook.Timeout <= TimeSpan.Zero || hook.Timeout > TimeSpan.FromMinutes(10))
            {
                errors.Add($"TbBridge:Webhooks:{i}:Timeout must be positive and at most 00:10:00.");
            }
        }

        var web = options.Web;
        if (web.Enabled)
        {
            var urls = Web.WebEndpoints.Split(web.Urls);
            if (urls.Length == 0 || urls.Any(u => !Uri.TryCreate(u.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https")))
            {
                errors.Add("TbBridge:Web:Urls must be one or more http:// or https:// URLs, ';'-separated.");
            }

            if (web.PublicUrl is { } publicUrl && (!publicUrl.IsAbsoluteUri || (publicUrl.Scheme != "http" && publicUrl.Scheme != "https")))
            {
                errors.Add("TbBridge:Web:PublicUrl must be an absolute http or https URL.");
            }

            if (web.CurvePoints < 4 || web.CurvePoints > 100_000)
            {
                errors.Add("TbBridge:Web:CurvePoints must be between 4 and 100000.");
            }

            if (web.CurvesPerWorker < 1 || web.MaxEventStreams < 1 || web.EventStreamLifetime <= TimeSpan.Zero)
            {
                errors.Add("TbBridge:Web:CurvesPerWorker and MaxEventStreams must be at least 1, and EventStreamLifetime positive.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
