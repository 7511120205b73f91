"""Two physically plausible demo motions for Newton's MuJoCo humanoid (BeyondMimic npz format).

The robot is ``newton/examples/assets/humanoid.usda`` as Newton loads it (the same importer Isaac Lab's
Newton backend uses), so body names, joint (DOF) names, their order, joint limits, masses and foot
geometry all come from that USD (:mod:`.robot`):

* bodies (16): Newton's articulation link order (``ArticulationView.link_names``);
* joints (21): the actuated DOFs (``ArticulationView.joint_dof_names`` without free/fixed joints),
  multi-DOF USD joints are named ``<joint>:<k>`` (e.g. ``right_thigh:0``).

How a motion is made (kinematics only, but built to be followable by a policy in simulation):

1. A *plan* per frame (50 Hz, :mod:`.plan`): world targets for both feet (pose + contact flag), the centre
   of mass (CoM), the torso orientation and the upper-body joint angles. Every segment (:mod:`.segments`,
   laid end to end by :mod:`.timeline`) is a deviation from one neutral stance that starts and ends with
   zero value and zero slope (min-jerk blends, :mod:`.profiles`), so the concatenation of segments is
   smooth (C2 in the plan; C1 is the requirement).
2. Per frame (:mod:`.solve`), the torso (root) position is found so that the whole-body CoM (mass-weighted
   link CoMs via FK) equals the plan's CoM, and both legs are solved by damped least-squares IK so each foot
   body reaches its planned pose exactly. A foot planned on the ground is level with its capsules'
   lowest point at z = 0 and keeps a fixed xy during stance: no penetration, no slip.
3. CoM targets: over the middle of both feet (double support) or over the stance foot's capsule
   centroid before any foot leaves the ground (quasi-static balance). In the jump's flight phase the
   CoM follows the ballistic parabola (g = 9.81 m/s^2) in z and stays fixed in xy; push-off and
   landing are quintic (C2) joins of that parabola.
4. ``joint_vel`` and body linear velocities are central finite differences; body angular velocities
   come from consecutive quaternions (world frame) (:mod:`.writer`).

:mod:`.checks` (with :mod:`.geometry`) validates a written file: FK against ``newton.eval_fk``, joint
margins, ground penetration, stance slip, self-collision, CoM over the support polygon, joint speeds and
the ballistic flight. :func:`.generate.generate_and_check` runs it all (``scripts/generate_demo_motions.py``).
"""

from .checks import check_motion
from .generate import generate_and_check
from .robot import FOOT_BODIES, FPS, Robot, load_robot
from .timeline import demo_timelines, long_segments, short_segments
from .writer import build_motion

__all__ = [
    "FOOT_BODIES",
    "FPS",
    "Robot",
    "build_motion",
    "check_motion",
    "demo_timelines",
    "generate_and_check",
    "load_robot",
    "long_segments",
    "short_segments",
]
