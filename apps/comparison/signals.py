"""How the comparison follows changes in the apps below it, which do not import it."""
from django.core.exceptions import ValidationError
from django.dispatch import receiver

from apps.coding.signals import code_merged

from .models import Factor


@receiver(code_merged, dispatch_uid="comparison_factor_follows_code_merge")
def factor_follows_code_merge(sender, *, source, target, **kwargs):
    """A factor on the merged code becomes a factor on the code it was merged into; two
    factors cannot become one, so that merge is refused (nothing changes)."""
    factors = Factor.objects.filter(code__in=[source, target])
    if len({factor.code_id for factor in factors}) == 2:
        raise ValidationError({"target": "Both codes are factors of the comparison; remove one factor first."})
    Factor.objects.filter(code=source).update(code=target)
