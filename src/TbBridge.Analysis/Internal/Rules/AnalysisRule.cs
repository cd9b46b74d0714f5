namespace TbBridge.Analysis.Internal.Rules;

/// <summary>
/// One detection rule, as a Roslyn analyzer is one class: its descriptors, its own state, and the hooks it registers
/// for. <see cref="RunAnalyzer"/> classifies each point, calls the hooks of the rules that watch its role in a fixed
/// order, and deduplicates what they raise (through <see cref="RunContext.Raise"/>). Rules never see tags they do not watch.
/// </summary>
internal abstract class AnalysisRule(RunContext context)
{
    protected RunContext Context { get; } = context;

    protected AnalysisOptions Options => Context.Options;

    /// <summary>The kinds this rule raises (most one; some detectors see two symptoms from one state).</summary>
    public abstract IReadOnlyList<RuleDescriptor> Descriptors { get; }

    /// <summary>
    /// Whether <see cref="BeforeAdd"/> and <see cref="AfterAdd"/> are called for finite scalars of this role. A hook a
    /// rule does not override is never called (<see cref="RuleDispatch"/>).
    /// </summary>
    public virtual bool Watches(SignalRole role) => false;

    /// <summary>Before a point of the run is handled (the step of that point), while <see cref="RunContext.PointHooksArmed"/>.</summary>
    public virtual void OnPoint(long step)
    {
    }

    /// <summary>A finite scalar of a watched role, before it joins its series (the series' statistics exclude it).</summary>
    public virtual void BeforeAdd(ScalarSeries s, long step, double wallTime, double x)
    {
    }

    /// <summary>The same point, after it joined its series.</summary>
    public virtual void AfterAdd(ScalarSeries s, long step, double wallTime, double x)
    {
    }

    /// <summary>A parameter tensor's gradient norm (a per-parameter scalar or a gradient histogram's L2 norm), already in <see cref="RunContext.ParamNorms"/>.</summary>
    public virtual void OnParamGradNorm(string subject, string tag, long step, double wallTime, double norm, bool newRound)
    {
    }

    /// <summary>A finite weight, activation or predictions histogram.</summary>
    public virtual void OnHistogram(SignalClassification c, string tag, long step, double wallTime, HistogramSnapshot h)
    {
    }

    /// <summary>The end of the run.</summary>
    public virtual void OnComplete()
    {
    }

    protected bool Raise(RuleDescriptor d, string subject, long step, double wallTime, string tag, string message, IReadOnlyDictionary<string, double> evidence, IReadOnlyList<string>? tags = null) =>
        Context.Raise(d.Kind, d.DefaultSeverity, subject, step, wallTime, tag, message, evidence, tags);

    protected static string Fmt(double v) => RunContext.Fmt(v);

    protected static Dictionary<string, double> Evidence(params (string Name, double Value)[] items) => RunContext.Evidence(items);
}
