"""rsl-rl PPO settings of BeyondMimic (HybridRobotics/whole_body_tracking, ``agents/rsl_rl_ppo_cfg.py``),
for the stock OnPolicyRunner; a robot's config sets only ``experiment_name``. ``max_iterations`` and
``save_interval`` are the public ones for a runner built from the task registry alone; ``scripts/train.py``
(``beyondmimic_adaptive.runs``) sets both from its run config (``iterations``, ``save_interval``)."""

from __future__ import annotations

from isaaclab.utils import configclass
from isaaclab_rl.rsl_rl import RslRlMLPModelCfg, RslRlOnPolicyRunnerCfg, RslRlPpoAlgorithmCfg


@configclass
class TrackingPPORunnerCfg(RslRlOnPolicyRunnerCfg):
    """24 steps per env, [512, 256, 128] ELU actor and critic, adaptive lr 1e-3 (KL 0.01)."""

    num_steps_per_env = 24
    max_iterations = 10000
    save_interval = 500
    experiment_name = "tracking"
    obs_groups = {"actor": ["policy"], "critic": ["critic"]}  # noqa: RUF012 (configclass copies defaults)
    actor = RslRlMLPModelCfg(
        hidden_dims=[512, 256, 128],
        activation="elu",
        obs_normalization=True,
        distribution_cfg=RslRlMLPModelCfg.GaussianDistributionCfg(init_std=1.0),
    )
    critic = RslRlMLPModelCfg(hidden_dims=[512, 256, 128], activation="elu", obs_normalization=True)
    algorithm = RslRlPpoAlgorithmCfg(
        value_loss_coef=1.0,
        use_clipped_value_loss=True,
        clip_param=0.2,
        entropy_coef=0.005,
        num_learning_epochs=5,
        num_mini_batches=4,
        learning_rate=1.0e-3,
        schedule="adaptive",
        gamma=0.99,
        lam=0.95,
        desired_kl=0.01,
        max_grad_norm=1.0,
    )
