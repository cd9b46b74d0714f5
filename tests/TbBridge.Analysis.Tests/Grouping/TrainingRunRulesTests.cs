namespace TbBridge.Analysis.Tests.Grouping;

public sealed class TrainingRunRulesTests
{
    private static string Describe(IEnumerable<TrainingRun> runs) =>
        string.Join(" | ", runs.Select(r => r.Name + ": " + string.Join(", ", r.SubRuns.Select(s => $"{(s.Name.Length == 0 ? "(own)" : s.Name)}={s.Role}"))));

    [Fact]
    public void Group_KerasFitFolders_OneTrainingRunWithTrainAndValidation()
    {
        var runs = TrainingRunRules.Default.Group(["fit/a", "fit/a/train", "fit/a/validation", "fit/b/train", "fit/b/validation"]);
        Assert.Equal("fit/a: (own)=Other, train=Training, validation=HeldOut | fit/b: train=Training, validation=HeldOut", Describe(runs));
        Assert.Equal("fit/b/validation", runs[1].SubRuns[1].Run);
    }

    [Fact]
    public void Group_AddScalarsSubRuns_JoinTheirRunWithTheRoleOfTheirKey()
    {
        var runs = TrainingRunRules.Default.Group(["exp1", "exp1/Loss_train", "exp1/Loss_val", "exp1/loss_teacher", "exp2"]);
        Assert.Equal("exp1: (own)=Other, Loss_train=Training, Loss_val=HeldOut, loss_teacher=Other | exp2: (own)=Other", Describe(runs));
    }

    [Fact]
    public void Group_ExperimentsUnderARootThatHoldsFiles_StayApart()
    {
        // A log directory whose root has event files of its own: its subfolders are still separate experiments.
        var runs = TrainingRunRules.Default.Group([".", "lr_0.1", "lr_0.01"]);
        Assert.Equal(3, runs.Count);
    }

    [Fact]
    public void Group_KerasFitAtTheRoot_GroupedUnderTheRoot()
    {
        var runs = TrainingRunRules.Default.Group(["train", "validation"]);
        var run = Assert.Single(runs);
        Assert.Equal(".", run.Name);
        Assert.Equal(["train", "validation"], run.SubRuns.Select(s => s.Name));
    }

    [Fact]
    public void Group_TfEstimatorEval_HeldOutSubRunOfTheModelDirectory()
    {
        var runs = TrainingRunRules.Default.Group(["model", "model/eval"]);
        Assert.Equal("model: (own)=Other, eval=HeldOut", Describe(runs));
    }

    [Fact]
    public void LoadJson_GroupingOff_EveryDirectoryOnItsOwn()
    {
        var rules = TrainingRunRules.LoadJson("""{"trainingRuns": {"group": false}}""");
        Assert.Equal(3, rules.Group(["fit", "fit/train", "fit/validation"]).Count);
    }

    [Fact]
    public void LoadJson_OwnHeldOutWords_ReplaceTheDefaults()
    {
        var rules = TrainingRunRules.LoadJson("""{"rules": [], "trainingRuns": {"heldOut": ["^holdout_set$"]}}""");
        Assert.Equal(SubRunRole.HeldOut, rules.RoleOf("holdout_set"));
        Assert.Equal(SubRunRole.Other, rules.RoleOf("validation"));
        Assert.Equal("fit: holdout_set=HeldOut, train=Training", Describe(rules.Group(["fit/train", "fit/holdout_set"])));
    }

    [Fact]
    public void LoadJson_NoSection_Defaults()
    {
        Assert.Same(TrainingRunRules.Default, TrainingRunRules.LoadJson("""{"rules": []}"""));
    }

    [Theory]
    [InlineData("""{"trainingRuns": {"heldOut": ["("]}}""")]
    [InlineData("""{"trainingRuns": {"heldOut": "val"}}""")]
    [InlineData("""{"trainingRuns": []}""")]
    public void LoadJson_Malformed_FormatException(string json)
    {
        Assert.Throws<FormatException>(() => TrainingRunRules.LoadJson(json));
    }
}
