namespace TbBridge.Analysis;

/// <summary>What a sub-run of a training run holds, from its name (see <see cref="TrainingRunRules"/>).</summary>
public enum SubRunRole
{
    /// <summary>Neither: its tags are classified as they are (an <c>add_scalars</c> key such as <c>loss_teacher</c>, the run's own folder).</summary>
    Other,

    /// <summary>Training-side signals (<c>train/</c>, <c>loss_train/</c>).</summary>
    Training,

    /// <summary>Held-out signals: its losses and accuracies are validation ones whatever their tags (<c>validation/</c>, <c>eval/</c>, <c>loss_val/</c>).</summary>
    HeldOut,
}
