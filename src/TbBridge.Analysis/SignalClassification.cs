namespace TbBridge.Analysis;

/// <summary>The role of a tag and what it is about (a parameter or layer name, or the tag itself).</summary>
public readonly record struct SignalClassification(SignalRole Role, string Subject);
