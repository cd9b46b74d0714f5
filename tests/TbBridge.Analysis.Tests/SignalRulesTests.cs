namespace TbBridge.Analysis.Tests;

public sealed class SignalRulesTests
{
    [Theory]
    [InlineData("loss", SignalRole.TrainLoss)]
    [InlineData("train/loss", SignalRole.TrainLoss)]
    [InlineData("Loss/train", SignalRole.TrainLoss)]
    [InlineData("train_loss", SignalRole.TrainLoss)]
    [InlineData("epoch_loss", SignalRole.TrainLoss)]
    [InlineData("train_loss_step", SignalRole.TrainLoss)]
    [InlineData("batch/CrossEntropyLoss", SignalRole.TrainLoss)]
    [InlineData("train/mse", SignalRole.TrainLoss)]
    [InlineData("val_loss", SignalRole.ValLoss)]
    [InlineData("val/loss", SignalRole.ValLoss)]
    [InlineData("Loss/val", SignalRole.ValLoss)]
    [InlineData("Loss/validation", SignalRole.ValLoss)]
    [InlineData("eval/loss", SignalRole.ValLoss)]
    [InlineData("test_loss", SignalRole.ValLoss)]
    [InlineData("epoch_val_loss", SignalRole.ValLoss)]
    [InlineData("valid/nll", SignalRole.ValLoss)]
    [InlineData("accuracy", SignalRole.TrainAccuracy)]
    [InlineData("train/acc", SignalRole.TrainAccuracy)]
    [InlineData("Accuracy/train", SignalRole.TrainAccuracy)]
    [InlineData("val_acc", SignalRole.ValAccuracy)]
    [InlineData("Accuracy/val", SignalRole.ValAccuracy)]
    [InlineData("lr", SignalRole.LearningRate)]
    [InlineData("train/lr", SignalRole.LearningRate)]
    [InlineData("lr-Adam", SignalRole.LearningRate)]
    [InlineData("LearningRate", SignalRole.LearningRate)]
    [InlineData("learning_rate", SignalRole.LearningRate)]
    [InlineData("grad_norm", SignalRole.GradNorm)]
    [InlineData("GradNorm", SignalRole.GradNorm)]
    [InlineData("grad_norm/total", SignalRole.GradNorm)]
    [InlineData("train/gradient_norm", SignalRole.GradNorm)]
    [InlineData("total_grad_norm", SignalRole.GradNorm)]
    [InlineData("grad_2.0_norm_total", SignalRole.GradNorm)]
    [InlineData("grad_norm/fc1.weight", SignalRole.ParamGradNorm)]
    [InlineData("fc1.weight/grad_norm", SignalRole.ParamGradNorm)]
    [InlineData("grad_2.0_norm/fc1.weight", SignalRole.ParamGradNorm)]
    [InlineData("grad_norm_fc1.weight", SignalRole.ParamGradNorm)]
    [InlineData("grad_norm_total", SignalRole.GradNorm)]
    [InlineData("gradients/global_norm", SignalRole.GradNorm)]
    [InlineData("grad_l2_norm", SignalRole.GradNorm)]
    [InlineData("train/total_norm", SignalRole.GradNorm)]
    [InlineData("lr/group0", SignalRole.LearningRate)]
    [InlineData("valid_loss", SignalRole.ValLoss)]
    [InlineData("metrics/val_loss", SignalRole.ValLoss)]
    [InlineData("val/loss_epoch", SignalRole.ValLoss)]
    [InlineData("Train/Loss", SignalRole.TrainLoss)]
    [InlineData("hp_metric", SignalRole.Ignored)]
    [InlineData("grads/fc1.weight/nan_count", SignalRole.NonFiniteCount)]
    [InlineData("epoch", SignalRole.Ignored)]
    [InlineData("loss_scale", SignalRole.Ignored)]
    [InlineData("update_ratio/fc1.weight", SignalRole.Ignored)]
    [InlineData("activations/relu1/dead_fraction", SignalRole.Ignored)]
    [InlineData("activations/sigmoid3/saturated_fraction", SignalRole.Ignored)]
    [InlineData("my_custom_metric", SignalRole.Unknown)]
    [InlineData("train/grad_norm", SignalRole.GradNorm)]
    [InlineData("train/learning_rate", SignalRole.LearningRate)]
    [InlineData("train/epoch", SignalRole.Ignored)]
    [InlineData("eval/accuracy", SignalRole.ValAccuracy)]
    [InlineData("eval/recall", SignalRole.ValClassScore)]
    [InlineData("eval/f1", SignalRole.ValClassScore)]
    [InlineData("eval/precision", SignalRole.ValClassScore)]
    [InlineData("val_f1_macro", SignalRole.ValClassScore)]
    [InlineData("recall", SignalRole.TrainClassScore)]
    [InlineData("train/f1", SignalRole.TrainClassScore)]
    [InlineData("eval/runtime", SignalRole.Ignored)]
    [InlineData("eval/samples_per_second", SignalRole.Ignored)]
    [InlineData("train/train_runtime", SignalRole.Ignored)]
    [InlineData("train/total_flos", SignalRole.Ignored)]
    [InlineData("train_loss_epoch", SignalRole.TrainLoss)]
    [InlineData("lr-SGD", SignalRole.LearningRate)]
    [InlineData("lr-SGD/pg2", SignalRole.LearningRate)]
    [InlineData("lr-SGD-momentum", SignalRole.Ignored)]
    [InlineData("lr-Adam/pg1-momentum", SignalRole.Ignored)]
    [InlineData("lr-AdamW-weight_decay", SignalRole.Ignored)]
    [InlineData("train/momentum", SignalRole.Ignored)]
    [InlineData("grad_2.0_norm/gru.weight_hh_l0", SignalRole.ParamGradNorm)]
    [InlineData("evaluation_loss_vs_iterations", SignalRole.ValLoss)]
    [InlineData("evaluation_accuracy_vs_iterations", SignalRole.ValAccuracy)]
    [InlineData("epoch_accuracy", SignalRole.TrainAccuracy)]
    public void Classify_Scalar(string tag, SignalRole role) =>
        Assert.Equal(role, SignalRules.Default.Classify(tag, SignalKind.Scalar).Role);

    [Theory]
    [InlineData("grads/fc1.weight", SignalRole.GradHistogram, "fc1.weight")]
    [InlineData("gradients/conv1.weight", SignalRole.GradHistogram, "conv1.weight")]
    [InlineData("hist/grad/conv1.weight", SignalRole.GradHistogram, "conv1.weight")]
    [InlineData("model/Gradients/gru.weight_hh_l0", SignalRole.GradHistogram, "gru.weight_hh_l0")]
    [InlineData("fc1.weight.grad", SignalRole.GradHistogram, "fc1.weight")]
    [InlineData("fc1.weight_grad", SignalRole.GradHistogram, "fc1.weight")]
    [InlineData("grads_fc1.weight", SignalRole.GradHistogram, "fc1.weight")]
    [InlineData("weights_conv1.weight", SignalRole.WeightHistogram, "conv1.weight")]
    [InlineData("outputs/block2", SignalRole.ActivationHistogram, "block2")]
    [InlineData("activations_layer3", SignalRole.ActivationHistogram, "layer3")]
    [InlineData("val/pred_classes", SignalRole.Predictions, "val/pred_classes")]
    [InlineData("weights/fc1.weight", SignalRole.WeightHistogram, "fc1.weight")]
    [InlineData("model/parameters/features.0.weight", SignalRole.WeightHistogram, "features.0.weight")]
    [InlineData("parameters/gru.weight_ih_l0", SignalRole.WeightHistogram, "gru.weight_ih_l0")]
    [InlineData("fc1.weight", SignalRole.WeightHistogram, "fc1.weight")]
    [InlineData("gru.weight_hh_l0", SignalRole.WeightHistogram, "gru.weight_hh_l0")]
    [InlineData("dense/kernel_0", SignalRole.WeightHistogram, "dense/kernel_0")]
    [InlineData("activations/layer1", SignalRole.ActivationHistogram, "layer1")]
    [InlineData("debug/Activations/conv2", SignalRole.ActivationHistogram, "conv2")]
    [InlineData("act_conv2", SignalRole.ActivationHistogram, "conv2")]
    [InlineData("val/predictions", SignalRole.Predictions, "val/predictions")]
    [InlineData("preds", SignalRole.Predictions, "preds")]
    public void Classify_Histogram(string tag, SignalRole role, string subject)
    {
        var c = SignalRules.Default.Classify(tag, SignalKind.Histogram);
        Assert.Equal(role, c.Role);
        Assert.Equal(subject, c.Subject);
    }

    [Fact]
    public void LoadJson_RulesGoFirst_DefaultsKept()
    {
        var rules = SignalRules.LoadJson("""
            { "rules": [ { "pattern": "^objective_main$", "role": "val_loss", "appliesTo": "scalar" },
                         { "pattern": "^loss$", "role": "ignored" } ] }
            """);
        Assert.Equal(SignalRole.ValLoss, rules.Classify("objective_main", SignalKind.Scalar).Role);
        Assert.Equal(SignalRole.Ignored, rules.Classify("loss", SignalKind.Scalar).Role);
        Assert.Equal(SignalRole.TrainLoss, rules.Classify("train/loss", SignalKind.Scalar).Role);
    }

    [Fact]
    public void LoadJson_ReplaceDefaults_OnlyGivenRules()
    {
        var rules = SignalRules.LoadJson("""{ "replaceDefaults": true, "rules": [ { "pattern": "^l$", "role": "TrainLoss" } ] }""");
        Assert.Equal(SignalRole.TrainLoss, rules.Classify("l", SignalKind.Scalar).Role);
        Assert.Equal(SignalRole.Unknown, rules.Classify("train/loss", SignalKind.Scalar).Role);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{ "rules": [ { "pattern": "x", "role": "no_such_role" } ] }""")]
    [InlineData("""{ "rules": [ { "pattern": "(", "role": "train_loss" } ] }""")]
    [InlineData("""{ "rules": [ { "role": "train_loss" } ] }""")]
    public void LoadJson_Invalid_FormatException(string json) =>
        Assert.Throws<FormatException>(() => SignalRules.LoadJson(json));

    [Fact]
    public void FromFile_ReadsTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "tbbridge-tests", Guid.NewGuid().ToString("N"), "signals.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            File.WriteAllText(path, """{ "rules": [ { "pattern": "^zz$", "role": "grad_norm" } ] }""");
            Assert.Equal(SignalRole.GradNorm, SignalRules.FromFile(path).Classify("zz", SignalKind.Scalar).Role);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void RunAnalyzer_OverrideFile_MakesACustomLossWatched()
    {
        var options = new AnalysisOptions { SignalRules = SignalRules.LoadJson("""{ "rules": [ { "pattern": "^objective_main$", "role": "train_loss" } ] }""") };
        var a = new RunAnalyzer("r", options);
        a.ObserveScalar("objective_main", 0, 0, 1);
        a.ObserveScalar("objective_main", 1, 1, double.NaN);
        Assert.Equal(1, Assert.Single(a.Alerts).Step);
    }
}
