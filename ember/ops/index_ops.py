"""(being written)"""

# name -> function(tensor, ...): attached as Tensor methods and torch.* functions
METHODS = {}
# names of METHODS that also get an in-place form name_ (computed out of place, written back)
INPLACE = []
# torch.* functions that are not Tensor methods
FUNCTIONS = {}
